#!/usr/bin/env python3
"""Checks a synthetic store (make_store.py) after a cleaner pass or a logger run, with stat and
exists only: no blob is read, so no access time moves. Prints "key value" lines, then one
"FAIL <what>" line per wrong behaviour found (none when all is well).

  check_store.py cleaner --data-dir D --index IDX --max BYTES --threshold P --mode delete|noop
                         [--summary LINE]
      delete: the blobs gone are exactly the least recently used (by max(atime, mtime) at ms
      resolution, as the cleaner orders them) up to the first point where the rest is <= MAX;
      what stays is <= MAX; no blob folder is left behind; every link, revision and tag whose
      blob is gone is removed and every other one is still there; the summary line agrees.
      noop: nothing is gone and every link is still there.

  check_store.py logger --data-dir D --index IDX --expected EXP [--retouch-ms 5000]
      every stored blob a successful line used (EXP) has an access time in
      (last use - RETOUCH, last use] (the logger skips re-touching a blob touched less than
      RETOUCH before, by log time); every other blob kept its access time; no mtime moved.
"""
import argparse
import os
import re

from make_store import blob_path, read_index, v2

UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def human(s):
    m = re.fullmatch(r"([\d.]+) (\w+)", s.strip())
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def last_use_ms(b):
    return max(b["atime_ns"] // 1_000_000, b["mtime_ns"] // 1_000_000)


def check_cleaner(a):
    root = v2(a.data_dir)
    blobs, links = read_index(a.index)
    fails = []
    out = {}
    total = sum(b["size"] for b in blobs)
    threshold = a.max + a.max // 100 * a.threshold + a.max % 100 * a.threshold // 100
    present = {b["hex"]: os.path.exists(blob_path(root, b["hex"])) for b in blobs}
    gone = {h for h, p in present.items() if not p}
    kept_bytes = sum(b["size"] for b in blobs if present[b["hex"]])
    out["blobs_before"] = len(blobs)
    out["bytes_before"] = total
    out["blobs_deleted"] = len(gone)
    out["bytes_after"] = kept_bytes
    out["max_bytes"] = a.max
    if a.mode == "delete":
        if total <= threshold:
            fails.append(f"the store ({total} B) is not above the threshold ({threshold} B): the setup is wrong")
        expect = set()
        size = total
        for b in sorted(blobs, key=last_use_ms):
            if size <= a.max:
                break
            expect.add(b["hex"])
            size -= b["size"]
        out["blobs_expected_deleted"] = len(expect)
        if kept_bytes > a.max:
            fails.append(f"store after the pass {kept_bytes} B > CLEANER_MAXSIZE {a.max} B")
        extra = gone - expect
        missed = expect - gone
        if extra or missed:
            by_hex = {b["hex"]: b for b in blobs}
            newest_gone = max((last_use_ms(by_hex[h]) for h in gone), default=None)
            oldest_kept = min((last_use_ms(b) for b in blobs if present[b["hex"]]), default=None)
            fails.append(f"not the least recently used: {len(extra)} deleted that should stay, {len(missed)} kept that "
                         f"should go (newest deleted last use {newest_gone} ms, oldest kept {oldest_kept} ms)")
        left_dirs = sum(1 for h in gone if os.path.isdir(os.path.dirname(blob_path(root, h))))
        if left_dirs:
            fails.append(f"{left_dirs} folders of deleted blobs left behind")
    else:
        if gone:
            fails.append(f"{len(gone)} blobs deleted although the store is not above the threshold")

    # links: those of gone blobs must be gone (a tag as a whole when its current link's blob is
    # gone), the others must stay
    tag_re = re.compile(r"(.*/_manifests/tags/[^/]+)/(current|index/.*)/link$")
    dead_tags = {m.group(1) for rel, h in links if h in gone and (m := tag_re.match(rel)) and m.group(2) == "current"}
    want_links_removed = 0
    wrong_kept = wrong_gone = 0
    for rel, h in links:
        m = tag_re.match(rel)
        should_go = h in gone or (m is not None and m.group(1) in dead_tags)
        if should_go and not m:
            want_links_removed += 1
        exists = os.path.exists(os.path.join(root, rel))
        if should_go and exists:
            wrong_kept += 1
        elif not should_go and not exists:
            wrong_gone += 1
    out["links_expected_removed"] = want_links_removed
    out["tags_expected_removed"] = len(dead_tags)
    if wrong_kept:
        fails.append(f"{wrong_kept} links of deleted blobs (or of removed tags) still there")
    if wrong_gone:
        fails.append(f"{wrong_gone} links of blobs still stored were removed")

    if a.summary:
        s = a.summary
        m = re.search(r"store (.+?) in (\d+) blobs before, (.+?) after \(max (.+?), cleaning above (.+?)\); "
                      r"(?:would delete|deleted) (\d+) blobs, (.+?) freed; (?:would remove|removed) (\d+) dangling links, (\d+) tags, "
                      r"(\d+) dead uploads(?: \(\d+ in progress, [^)]*\))?; (?:scan (\d+) ms, delete (\d+) ms, links (\d+) ms; )?(\d+) ms", s)
        if not m:
            fails.append(f"summary line not understood: {s!r}")
        else:
            out["summary_after"] = m.group(3).replace(" ", "")
            out["summary_ms"] = int(m.group(14))
            if m.group(11) is not None:
                out["summary_scan_ms"], out["summary_delete_ms"], out["summary_links_ms"] = (int(m.group(k)) for k in (11, 12, 13))
            if int(m.group(2)) != len(blobs):
                fails.append(f"summary counts {m.group(2)} blobs, the store has {len(blobs)}")
            dry = "(dry run)" in s  # counts what it would delete: nothing is gone, which the checks above test
            if not dry and int(m.group(6)) != len(gone):
                fails.append(f"summary says {m.group(6)} deleted, {len(gone)} are gone")
            after, mx = human(m.group(3)), human(m.group(4))
            if a.mode == "delete" and after is not None and mx is not None and after > mx:
                fails.append(f"summary prints a store after the pass ({m.group(3)}) above the max ({m.group(4)})")
            if not dry and int(m.group(8)) != want_links_removed:
                fails.append(f"summary says {m.group(8)} dangling links removed, {want_links_removed} expected")
            if not dry and int(m.group(9)) != len(dead_tags):
                fails.append(f"summary says {m.group(9)} tags removed, {len(dead_tags)} expected")
    return out, fails


def check_logger(a):
    root = v2(a.data_dir)
    blobs, _ = read_index(a.index)
    expected = {}
    with open(a.expected) as f:
        for line in f:
            h, ms = line.split()
            expected[h] = int(ms)
    fails = []
    c = {"used": 0, "used_ok": 0, "used_not_touched": 0, "used_stale": 0, "used_too_new": 0,
         "unused": 0, "unused_changed": 0, "mtime_changed": 0, "ref_only_ok": 0, "ref_only": 0,
         "failed_only": 0, "failed_only_changed": 0, "missing": 0}
    for b in blobs:
        try:
            st = os.stat(blob_path(root, b["hex"]))
        except FileNotFoundError:
            c["missing"] += 1
            continue
        if st.st_mtime_ns // 1000 != b["mtime_ns"] // 1000:
            c["mtime_changed"] += 1
        at_ms = st.st_atime_ns // 1_000_000
        want = expected.get(b["hex"])
        if b["role"] == "ref-only":
            c["ref_only"] += 1
        if b["role"] == "failed-only":
            c["failed_only"] += 1
        if want is None:
            c["unused"] += 1
            if st.st_atime_ns != b["atime_ns"]:
                c["unused_changed"] += 1
                if b["role"] == "failed-only":
                    c["failed_only_changed"] += 1
            continue
        c["used"] += 1
        orig_ms = b["atime_ns"] // 1_000_000
        want = max(want, orig_ms)
        if st.st_atime_ns == b["atime_ns"] and want > orig_ms:
            c["used_not_touched"] += 1
        elif at_ms > want:
            c["used_too_new"] += 1
        elif at_ms <= want - a.retouch_ms:
            c["used_stale"] += 1
        else:
            c["used_ok"] += 1
            if b["role"] == "ref-only":
                c["ref_only_ok"] += 1
    if c["missing"]:
        fails.append(f"{c['missing']} blobs of the store are missing")
    if c["used_not_touched"]:
        fails.append(f"{c['used_not_touched']} of {c['used']} used blobs kept their old access time")
    if c["used_stale"]:
        fails.append(f"{c['used_stale']} of {c['used']} used blobs have an access time more than {a.retouch_ms} ms before their last use")
    if c["used_too_new"]:
        fails.append(f"{c['used_too_new']} of {c['used']} used blobs have an access time after their last use")
    if c["unused_changed"]:
        fails.append(f"{c['unused_changed']} of {c['unused']} blobs no successful line used had their access time changed "
                     f"({c['failed_only_changed']} of them only in failed lines)")
    if c["mtime_changed"]:
        fails.append(f"{c['mtime_changed']} blobs had their mtime changed")
    if c["ref_only"] and c["ref_only_ok"] != c["ref_only"]:
        fails.append(f"only {c['ref_only_ok']} of {c['ref_only']} blobs used only through manifests were touched")
    return c, fails


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cleaner")
    c.add_argument("--data-dir", required=True)
    c.add_argument("--index", required=True)
    c.add_argument("--max", type=int, required=True)
    c.add_argument("--threshold", type=int, default=20)
    c.add_argument("--mode", choices=["delete", "noop"], required=True)
    c.add_argument("--summary")
    l = sub.add_parser("logger")
    l.add_argument("--data-dir", required=True)
    l.add_argument("--index", required=True)
    l.add_argument("--expected", required=True)
    l.add_argument("--retouch-ms", type=int, default=5000)
    a = ap.parse_args()
    out, fails = (check_cleaner if a.cmd == "cleaner" else check_logger)(a)
    for k, v in out.items():
        print(f"{k} {v}")
    for f in fails:
        print(f"FAIL {f}")


if __name__ == "__main__":
    main()
