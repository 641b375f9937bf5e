#!/usr/bin/env python3
"""Resident memory of JVMs by kind of mapping, from /proc/<pid>/smaps: RSS (every page the
process maps and has touched) and PSS (each page divided by the number of processes that map
it, so a page shared by four JVMs counts a quarter in each). Kinds: anon (heap, metaspace, code
cache, thread stacks, malloc), cds (class-data archives: the JDK's and ours), libjvm (the JVM's
code), so (other shared libraries), jar (the jar and the JDK's modules file), other.

usage: smaps_kinds.py LABEL=PID...   prints one line per process, then per kind over all, as
                                     tab separated "process|kind  label  rss_KiB  pss_KiB" lines
"""
import collections
import os
import re
import sys

KINDS = ("anon", "cds", "libjvm", "so", "jar", "other")
MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$")


def kind(name):
    if name == "" or name.startswith("[heap]") or name.startswith("[anon"):
        return "anon"
    if name.endswith(".jsa") or name.endswith(".aot"):
        return "cds"
    if "libjvm" in name:
        return "libjvm"
    if name.endswith(".so") or ".so." in name:
        return "so"
    if name.endswith(".jar") or name.endswith("/modules"):
        return "jar"
    return "other"


def scan(pid):
    out = collections.defaultdict(lambda: [0, 0])
    current = "other"
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = MAPPING.match(line)
            if m:
                current = kind(m.group(1).strip())
            elif line.startswith("Rss:"):
                out[current][0] += int(line.split()[1])
            elif line.startswith("Pss:"):
                out[current][1] += int(line.split()[1])
    return out


def main():
    total = collections.defaultdict(lambda: [0, 0])
    for arg in sys.argv[1:]:
        label, pid = arg.rsplit("=", 1)
        try:
            kinds = scan(pid)
        except OSError:
            continue  # gone meanwhile (a pass that ended)
        print("process\t%s\t%d\t%d" % (label, sum(v[0] for v in kinds.values()), sum(v[1] for v in kinds.values())))
        for k in KINDS:
            print("%s\t%s\t%d\t%d" % (k, label, kinds[k][0], kinds[k][1]))
            total[k][0] += kinds[k][0]
            total[k][1] += kinds[k][1]


if __name__ == "__main__":
    main()
