#!/usr/bin/env python3
"""A reference cleaning pass in plain single-threaded Python, doing what the cleaner does with
the fewest syscalls (os.scandir walks, one stat per blob, one read and one exists per link), to
show what this filesystem costs: scan blobs/ (size, max(atime, mtime)), delete least recently
used first down to MAX when above MAX x (1 + P/100) (data file, then its folder), then walk
repositories/: remove links whose blob is gone, tags whose current manifest is gone, and empty
folders. Prints one line with the counts and the time of each phase in ms.

usage: ref_cleaner.py DATA_DIR MAX_BYTES [THRESHOLD_PERCENT=20]
"""
import os
import shutil
import sys
import time


def main():
    root = os.path.join(sys.argv[1], "docker", "registry", "v2")
    max_bytes = int(sys.argv[2])
    pct = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    t0 = time.monotonic()
    blobs_root = os.path.join(root, "blobs", "sha256")
    found = []  # (last use ns, size, path)
    total = 0
    for pre in os.scandir(blobs_root):
        for d in os.scandir(pre.path):
            try:
                st = os.stat(os.path.join(d.path, "data"))
            except FileNotFoundError:
                continue
            found.append((max(st.st_atime_ns // 1_000_000, st.st_mtime_ns // 1_000_000), st.st_size, d.path))
            total += st.st_size
    t1 = time.monotonic()
    deleted = 0
    size = total
    if total > max_bytes * (100 + pct) // 100:
        found.sort()
        for _, sz, d in found:
            if size <= max_bytes:
                break
            os.unlink(os.path.join(d, "data"))
            os.rmdir(d)
            deleted += 1
            size -= sz
    t2 = time.monotonic()
    links = tags = 0

    def stored(digest):
        alg, _, hexd = digest.partition(":")
        return os.path.exists(os.path.join(root, "blobs", alg, hexd[:2], hexd, "data"))

    def read(p):
        try:
            with open(p, "rb") as f:
                return f.read(200).decode("ascii", "replace").strip()
        except OSError:
            return None

    def walk(path):
        """returns True when path was removed (empty)"""
        nonlocal links, tags
        entries = list(os.scandir(path))
        left = len(entries)
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                if os.path.basename(path) == "tags":
                    cur = read(os.path.join(e.path, "current", "link"))
                    if cur and not stored(cur):
                        shutil.rmtree(e.path, ignore_errors=True)
                        tags += 1
                        left -= 1
                        continue
                if walk(e.path):
                    left -= 1
            elif e.name == "link" and os.path.basename(path) != "current":
                d = read(e.path)
                if d and not stored(d):
                    os.unlink(e.path)
                    links += 1
                    left -= 1
        if left == 0 and path != repos:
            try:
                os.rmdir(path)
                return True
            except OSError:
                return False
        return False

    repos = os.path.join(root, "repositories")
    walk(repos)
    t3 = time.monotonic()
    ms = lambda a, b: int((b - a) * 1000)
    print(f"ref: {len(found)} blobs, {total} B before, {size} B after; deleted {deleted} blobs; removed {links} links, "
          f"{tags} tags; scan {ms(t0, t1)} ms, delete {ms(t1, t2)} ms, links {ms(t2, t3)} ms; {ms(t0, t3)} ms")


if __name__ == "__main__":
    main()
