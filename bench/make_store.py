#!/usr/bin/env python3
"""Synthetic datastores and access logs for run-store-bench.sh (python3 stdlib only).

  make_store.py build --data-dir D --index IDX [--blobs N] [--manifests M] [--indexes I]
                      [--repos R] [--min-size B] [--max-size B] [--min-age-h H] [--max-age-h H]
                      [--seed S] [--reserve-ref-only K] [--reserve-failed K] [--reserve-unused K]
      writes N blobs into D/docker/registry/v2/ in distribution's layout: N-M-I layer/config
      blobs of random content (MIN..MAX bytes, digest = sha256 of the content), M OCI image
      manifests (a config and 1-8 layers each) and I OCI indexes (2-4 of those manifests each),
      every digest distinct. Each layer blob is linked (_layers) into 1 or 2 of R repositories;
      each manifest gets a revision link and a tag (current + index links) in one repository,
      with links of its config and layers there. Last uses, max(atime, mtime), are distinct
      (at millisecond resolution), spread between MIN_AGE and MAX_AGE hours ago; in about a
      third of the blobs mtime is the later of the two. IDX gets one line per blob:
        blob  <hex>  <size>  <atime ns>  <mtime ns>  <kind>  <refs, comma separated hex>  <role>
      and one line per link:  link  <path relative to v2/>  <hex>
      role: "direct" (used by log lines), "ref-only" (only referenced by manifests),
      "failed-only" (only in failed log lines), "unused" (never in the log); used by access-log.

  make_store.py reset-times --data-dir D --index IDX
      sets every blob's atime and mtime back to what IDX says (os.utime, no reads).

  make_store.py access-log --index IDX --out LOG --expected EXP [--lines N] [--span-s S]
                           [--seed S] [--registry quay.io]
      writes N access-log lines, times spread evenly over the S seconds before now (oldest
      first): blob GETs (some HEAD, some 206), manifest GETs by tag or digest (image manifests and
      indexes), failed requests (404 BLOB_UNKNOWN, 502), uses of digests not in the store (evicted),
      base and tags lines. EXP gets "<hex> <last use ms>" for every stored blob a successful line
      used, directly or through a manifest (an index's child manifests and their blobs too).
"""
import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import datetime, timezone

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def v2(data_dir):
    return os.path.join(data_dir, "docker", "registry", "v2")


class Dirs:
    """mkdir -p with a cache of what exists, to keep the syscalls down."""

    def __init__(self):
        self.made = set()

    def ensure(self, d):
        if d in self.made:
            return
        parent = os.path.dirname(d)
        if parent and parent not in self.made and not os.path.isdir(parent):
            self.ensure(parent)
        try:
            os.mkdir(d)
        except FileExistsError:
            pass
        self.made.add(d)


def write_file(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def build(a):
    rng = random.Random(a.seed)
    root = v2(a.data_dir)
    blobs_root = os.path.join(root, "blobs", "sha256")
    repos_root = os.path.join(root, "repositories")
    dirs = Dirs()
    n_layers = a.blobs - a.manifests - a.indexes
    if n_layers < 2 or a.manifests < (1 if a.indexes else 0):
        sys.exit("too few blobs for the manifests asked for")
    repos = []
    for r in range(a.repos):
        reg = ("quay.io", "docker.io", "registry.redhat.io", "registry.local_5000")[r % 4]
        repos.append(f"{reg}/ns{r % 37}/app-{r}")

    blobs = []  # dicts: hex, data, kind, refs, role

    # layers and configs: random content, a serial number first so that no two are equal
    for i in range(n_layers):
        size = rng.randint(a.min_size, a.max_size)
        head = f"blob {i} seed {a.seed}\n".encode()
        data = head + rng.randbytes(max(0, size - len(head)))
        blobs.append({"hex": hashlib.sha256(data).hexdigest(), "data": data, "kind": "layer", "refs": [], "role": "direct"})

    # roles among the layers: ref-only ones are referenced by manifests and never logged directly
    order = list(range(n_layers))
    rng.shuffle(order)
    k = 0
    ref_only = order[k:k + a.reserve_ref_only]
    k += a.reserve_ref_only
    for i in order[k:k + a.reserve_failed]:
        blobs[i]["role"] = "failed-only"
    k += a.reserve_failed
    for i in order[k:k + a.reserve_unused]:
        blobs[i]["role"] = "unused"
    k += a.reserve_unused
    direct = order[k:]
    for i in ref_only:
        blobs[i]["role"] = "ref-only"

    # image manifests: a config and 1-8 layers; the ref-only blobs are dealt out among them
    manifests = []
    for m in range(a.manifests):
        want = 1 + rng.randint(1, 8)
        picks = list(ref_only[m::a.manifests])
        while len(picks) < want:
            c = direct[rng.randrange(len(direct))]
            if c not in picks:
                picks.append(c)
        cfg, layers = picks[0], picks[1:]
        doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
               "config": {"mediaType": OCI_CONFIG, "digest": "sha256:" + blobs[cfg]["hex"], "size": len(blobs[cfg]["data"])},
               "layers": [{"mediaType": OCI_LAYER, "digest": "sha256:" + blobs[l]["hex"], "size": len(blobs[l]["data"])}
                          for l in layers],
               "annotations": {"bench.serial": str(m)}}
        data = json.dumps(doc, separators=(",", ":")).encode()
        blobs.append({"hex": hashlib.sha256(data).hexdigest(), "data": data, "kind": "manifest",
                      "refs": [blobs[p]["hex"] for p in picks], "role": "direct", "ref_idx": picks})
        manifests.append(len(blobs) - 1)
    for x in range(a.indexes):
        children = rng.sample(manifests, min(len(manifests), rng.randint(2, 4)))
        doc = {"schemaVersion": 2, "mediaType": OCI_INDEX,
               "manifests": [{"mediaType": OCI_MANIFEST, "digest": "sha256:" + blobs[c]["hex"], "size": len(blobs[c]["data"]),
                              "platform": {"architecture": ("amd64", "arm64", "s390x", "ppc64le")[j % 4], "os": "linux"}}
                             for j, c in enumerate(children)],
               "annotations": {"bench.serial": str(x)}}
        data = json.dumps(doc, separators=(",", ":")).encode()
        blobs.append({"hex": hashlib.sha256(data).hexdigest(), "data": data, "kind": "index",
                      "refs": [blobs[c]["hex"] for c in children], "role": "direct", "ref_idx": children})
    if len({b["hex"] for b in blobs}) != len(blobs):
        sys.exit("digest collision (same content twice)")

    # times: distinct last uses at ms resolution between min and max age
    now_ms = int(time.time() * 1000)
    lo = int(a.min_age_h * 3600_000)
    span = int(a.max_age_h * 3600_000) - lo
    step = max(2, span // len(blobs))
    slots = list(range(len(blobs)))
    rng.shuffle(slots)
    for b, slot in zip(blobs, slots):
        last = now_ms - lo - slot * step - rng.randrange(step - 1)
        other = last - rng.randint(1, 3 * 24 * 3600_000)
        if rng.random() < 1 / 3:
            b["mtime"], b["atime"] = last, other
        else:
            b["atime"], b["mtime"] = last, other
        # nanoseconds below the millisecond, as a real file has them
        b["atime_ns"] = b["atime"] * 1_000_000 + rng.randrange(1_000_000)
        b["mtime_ns"] = b["mtime"] * 1_000_000 + rng.randrange(1_000_000)

    links = []  # (relative path, hex)

    def link(path_parts, hexd):
        rel = os.path.join("repositories", *path_parts, "link")
        links.append((rel, hexd))

    for i, b in enumerate(blobs):
        if b["kind"] == "layer":
            for r in rng.sample(range(len(repos)), 1 if rng.random() < 0.5 else 2):
                link([repos[r], "_layers", "sha256", b["hex"]], b["hex"])
        else:
            r = repos[rng.randrange(len(repos))]
            link([r, "_manifests", "revisions", "sha256", b["hex"]], b["hex"])
            tag = f"v{i}"
            link([r, "_manifests", "tags", tag, "current"], b["hex"])
            link([r, "_manifests", "tags", tag, "index", "sha256", b["hex"]], b["hex"])
            for ref in b["refs"]:
                if b["kind"] == "manifest":
                    link([r, "_layers", "sha256", ref], ref)
    links = list(dict(links).items())  # a path once (a layer can be picked twice for a repo)

    for b in blobs:
        d = os.path.join(blobs_root, b["hex"][:2], b["hex"])
        dirs.ensure(d)
        p = os.path.join(d, "data")
        write_file(p, b["data"])
        os.utime(p, ns=(b["atime_ns"], b["mtime_ns"]))
    for rel, hexd in links:
        p = os.path.join(root, rel)
        dirs.ensure(os.path.dirname(p))
        write_file(p, b"sha256:" + hexd.encode())

    with open(a.index, "w") as f:
        for b in blobs:
            f.write(f"blob\t{b['hex']}\t{len(b['data'])}\t{b['atime_ns']}\t{b['mtime_ns']}\t{b['kind']}\t"
                    f"{','.join(b['refs'])}\t{b['role']}\n")
        for rel, hexd in links:
            f.write(f"link\t{rel}\t{hexd}\n")
    total = sum(len(b["data"]) for b in blobs)
    print(f"{len(blobs)} blobs, {total} bytes, {len(links)} links in {len(repos)} repositories")


def read_index(path):
    blobs, links = [], []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "blob":
                blobs.append({"hex": p[1], "size": int(p[2]), "atime_ns": int(p[3]), "mtime_ns": int(p[4]),
                              "kind": p[5], "refs": p[6].split(",") if p[6] else [], "role": p[7]})
            elif p[0] == "link":
                links.append((p[1], p[2]))
    return blobs, links


def blob_path(root, hexd):
    return os.path.join(root, "blobs", "sha256", hexd[:2], hexd, "data")


def reset_times(a):
    root = v2(a.data_dir)
    blobs, _ = read_index(a.index)
    missing = 0
    for b in blobs:
        try:
            os.utime(blob_path(root, b["hex"]), ns=(b["atime_ns"], b["mtime_ns"]))
        except FileNotFoundError:
            missing += 1
    if missing:
        sys.exit(f"{missing} blobs of the index are missing")


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def access_log(a):
    rng = random.Random(a.seed)
    blobs, _ = read_index(a.index)
    by_hex = {b["hex"]: b for b in blobs}
    direct = [b for b in blobs if b["role"] == "direct" and b["kind"] == "layer"]
    mans = [b for b in blobs if b["kind"] in ("manifest", "index")]
    failed_only = [b for b in blobs if b["role"] == "failed-only"]
    if not direct or not mans:
        sys.exit("the index has no layers or no manifests")
    reg = a.registry
    now_ms = int(time.time() * 1000) - 1000
    start_ms = now_ms - int(a.span_s * 1000)
    expected = {}

    def use(hexd, ms, depth=0):
        b = by_hex.get(hexd)
        if b is None:
            return
        expected[hexd] = max(expected.get(hexd, 0), ms)
        if b["kind"] == "manifest" or (b["kind"] == "index" and depth == 0):
            for r in b["refs"]:
                use(r, ms, depth + 1)

    def line(ms, method, kind, repo, ref, digest, status, size, cache, error=None, path=None):
        if path is None:
            what = "blobs" if kind == "blob" else "manifests"
            path = f"/v2/{reg}/{repo}/{what}/{ref}"
        rec = {"time": iso(ms), "registry": reg, "method": method, "path": path, "kind": kind}
        if repo is not None:
            rec["repository"] = f"{reg}/{repo}"
        if ref is not None:
            rec["reference"] = ref
        if digest is not None:
            rec["digest"] = digest
        rec["status"] = status
        rec["bytes"] = size
        rec["cache"] = cache
        rec["durationMs"] = rng.randint(0, 40)
        if error:
            rec["error"] = error
        rec["client"] = f"10.0.{rng.randrange(8)}.{rng.randrange(1, 255)}"
        return json.dumps(rec, separators=(",", ":"))

    counts = {}
    with open(a.out, "w") as f:
        for n in range(a.lines):
            ms = start_ms + (n * int(a.span_s * 1000)) // a.lines
            repo = f"ns{rng.randrange(37)}/app-{rng.randrange(300)}"
            x = rng.random()
            if x < 0.84:  # blob use: GET, sometimes HEAD or a Range GET
                b = direct[rng.randrange(len(direct))]
                method, status = ("HEAD", 200) if x < 0.04 else ("GET", 206) if x < 0.06 else ("GET", 200)
                d = "sha256:" + b["hex"]
                s = line(ms, method, "blob", repo, d, d, status, 0 if method == "HEAD" else b["size"], "hit")
                use(b["hex"], ms)
                kind = "blob-use"
            elif x < 0.94:  # manifest by tag or digest, 200 or 304
                b = mans[rng.randrange(len(mans))]
                d = "sha256:" + b["hex"]
                ref = d if x < 0.89 else "latest"
                status = 304 if x > 0.93 else 200
                s = line(ms, "GET", "manifest", repo, ref, d, status, 0 if status == 304 else b["size"], "hit")
                use(b["hex"], ms)
                kind = "manifest-use"
            elif x < 0.96:  # failed: unknown blob, or an upstream error for a stored one
                if x < 0.95 or not failed_only:
                    d = "sha256:" + "%064x" % rng.getrandbits(256)
                    s = line(ms, "GET", "blob", repo, d, d, 404, 0, "none", "BLOB_UNKNOWN")
                else:
                    b = failed_only[rng.randrange(len(failed_only))]
                    d = "sha256:" + b["hex"]
                    s = line(ms, "GET", "blob", repo, d, d, 502, 0, "none", "UNKNOWN")
                kind = "failed"
            elif x < 0.97:  # a use of a digest that is not stored (evicted meanwhile)
                d = "sha256:" + "%064x" % rng.getrandbits(256)
                s = line(ms, "GET", "blob", repo, d, d, 200, 1234, "miss")
                kind = "not-stored"
            elif x < 0.985:
                s = line(ms, "GET", "base", None, None, None, 200, 2, "none", path="/v2/")
                kind = "base"
            else:
                s = line(ms, "GET", "tags", repo, None, None, 200, 60, "pass", path=f"/v2/{reg}/{repo}/tags/list")
                kind = "tags"
            counts[kind] = counts.get(kind, 0) + 1
            f.write(s)
            f.write("\n")
    with open(a.expected, "w") as f:
        for h, ms in expected.items():
            f.write(f"{h} {ms}\n")
    print(f"{a.lines} lines, {os.path.getsize(a.out)} bytes; " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f"; {len(expected)} stored blobs used")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--data-dir", required=True)
    b.add_argument("--index", required=True)
    b.add_argument("--blobs", type=int, default=100_000)
    b.add_argument("--manifests", type=int, default=500)
    b.add_argument("--indexes", type=int, default=0)
    b.add_argument("--repos", type=int, default=300)
    b.add_argument("--min-size", type=int, default=1024)
    b.add_argument("--max-size", type=int, default=4096)
    b.add_argument("--min-age-h", type=float, default=1)
    b.add_argument("--max-age-h", type=float, default=7 * 24)
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--reserve-ref-only", type=int, default=0)
    b.add_argument("--reserve-failed", type=int, default=0)
    b.add_argument("--reserve-unused", type=int, default=0)
    r = sub.add_parser("reset-times")
    r.add_argument("--data-dir", required=True)
    r.add_argument("--index", required=True)
    l = sub.add_parser("access-log")
    l.add_argument("--index", required=True)
    l.add_argument("--out", required=True)
    l.add_argument("--expected", required=True)
    l.add_argument("--lines", type=int, default=1_000_000)
    l.add_argument("--span-s", type=float, default=86400)
    l.add_argument("--seed", type=int, default=2)
    l.add_argument("--registry", default="quay.io")
    a = ap.parse_args()
    {"build": build, "reset-times": reset_times, "access-log": access_log}[a.cmd](a)


if __name__ == "__main__":
    main()
