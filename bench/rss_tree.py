#!/usr/bin/env python3
"""Resident memory of process trees: each ROOT pid and all its descendants, found again at every
sample (so children that start, restart or appear later are counted), each process labelled.

usage: rss_tree.py snapshot ROOT...          prints "<label>\t<VmRSS KiB>\t<Pss KiB>\t<CPU s>" per
                                             process (CPU: user + system time so far), then
                                             "total\t<sum RSS>\t<sum PSS>\t<sum CPU>"
       rss_tree.py cpu ROOT...                 prints "<CPU s> <JIT CPU s>": user + system time so far of
                                             every process, and of the JIT compiler threads among
                                             them (threads named "C1 CompilerThre..."/"C2 ...")
       rss_tree.py sample OUT INTERVAL ROOT...
                                             until SIGTERM/SIGINT or every root is gone, writes
                                             "<ms since start>\t<label>\t<VmRSS KiB>" per process and
                                             "<ms>\ttotal\t<sum>" per sample to OUT; on exit OUT.json:
                                             {"samples": n, "max": {label: KiB, ..., "total": KiB},
                                              "hwm": {label: VmHWM KiB}}
ROOT is a pid or pid=label. A descendant's label comes from its command line: for the
registry-cache jar the component ("gateway", "node quay.io", "logger", "cleaner"; "supervisor"
without a subcommand), for docker-registry the basename of its config file, else its comm.
Labels that repeat get " #2", " #3" appended.
"""
import json
import os
import signal
import sys
import time

COMPONENTS = ("gateway", "node", "logger", "cleaner")


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = read(f"/proc/{name}/stat")
        if not stat:
            continue
        rest = stat[stat.rfind(b")") + 2:].split()
        if rest[0] == b"Z":
            continue
        kids.setdefault(int(rest[1]), []).append(int(name))
    return kids


def tree(roots):
    kids = children_map()
    out = []
    todo = list(roots)
    seen = set()
    while todo:
        pid = todo.pop(0)
        if pid in seen:
            continue
        seen.add(pid)
        out.append(pid)
        todo.extend(sorted(kids.get(pid, [])))
    return out


def label_of(pid):
    raw = read(f"/proc/{pid}/cmdline")
    if not raw:
        return None
    args = [a.decode(errors="replace") for a in raw.rstrip(b"\0").split(b"\0")]
    exe = os.path.basename(args[0])
    if exe == "java":
        rest = None
        i = 1
        while i < len(args):
            a = args[i]
            if a == "-jar":
                rest = args[i + 2:]
                break
            if a in ("-cp", "-classpath", "--class-path"):
                i += 2
                continue
            if not a.startswith("-"):
                rest = args[i + 1:]  # after the main class
                break
            i += 1
        if rest is not None:
            if rest and rest[0] in COMPONENTS:
                name = rest[0]
                if name == "node" and "--upstream" in rest:
                    k = rest.index("--upstream")
                    if k + 1 < len(rest):
                        name += " " + rest[k + 1]
                return name
            return "supervisor"
        return "java"
    if exe == "docker-registry":
        for a in args[1:]:
            if a.endswith((".yml", ".yaml")):
                return os.path.splitext(os.path.basename(a))[0]
        return exe
    comm = read(f"/proc/{pid}/comm")
    return comm.decode(errors="replace").strip() if comm else exe


def status(pid):
    raw = read(f"/proc/{pid}/status")
    if not raw:
        return None
    rss = hwm = 0
    for line in raw.decode(errors="replace").splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return rss, hwm


def cpu_seconds(pid):
    raw = read(f"/proc/{pid}/stat")
    if not raw:
        return 0.0
    rest = raw[raw.rfind(b")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def pss(pid):
    raw = read(f"/proc/{pid}/smaps_rollup")
    if not raw:
        return 0
    for line in raw.decode(errors="replace").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def parse_roots(specs):
    roots = []
    for s in specs:
        pid, _, label = s.partition("=")
        roots.append((int(pid), label or None))
    return roots


def measure(roots):
    """[(label, pid, rss, hwm)] for every live process of the trees."""
    fixed = {pid: label for pid, label in roots}
    rows = []
    used = {}
    for pid in tree([p for p, _ in roots]):
        st = status(pid)
        label = fixed.get(pid) or label_of(pid)
        if st is None or label is None or st[0] == 0:  # gone, or a kernel thread
            continue
        used[label] = used.get(label, 0) + 1
        if used[label] > 1:
            label = f"{label} #{used[label]}"
        rows.append((label, pid, st[0], st[1]))
    return rows


def jit_seconds(pid):
    total = 0.0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for tid in tids:
        comm = read(f"/proc/{pid}/task/{tid}/comm")
        if comm and comm.startswith((b"C1 CompilerThre", b"C2 CompilerThre")):
            raw = read(f"/proc/{pid}/task/{tid}/stat")
            if raw:
                rest = raw[raw.rfind(b")") + 2:].split()
                total += (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")
    return total


def cpu(roots):
    rows = measure(roots)
    print(f"{sum(cpu_seconds(pid) for _, pid, _, _ in rows):.2f} {sum(jit_seconds(pid) for _, pid, _, _ in rows):.2f}")


def snapshot(roots):
    rows = measure(roots)
    total_rss = total_pss = total_cpu = 0
    for label, pid, rss, _ in rows:
        p = pss(pid)
        c = cpu_seconds(pid)
        total_rss += rss
        total_pss += p
        total_cpu += c
        print(f"{label}\t{rss}\t{p}\t{c:.2f}")
    print(f"total\t{total_rss}\t{total_pss}\t{total_cpu:.2f}")


def sample(out, interval, roots):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    start = time.monotonic()
    peak = {}
    hwm = {}
    n = 0
    with open(out, "w") as f:
        next_at = start
        while not stop:
            rows = measure(roots)
            if not rows:
                break
            ms = int((time.monotonic() - start) * 1000)
            total = 0
            for label, _pid, rss, h in rows:
                total += rss
                peak[label] = max(peak.get(label, 0), rss)
                hwm[label] = max(hwm.get(label, 0), h)
                f.write(f"{ms}\t{label}\t{rss}\n")
            peak["total"] = max(peak.get("total", 0), total)
            f.write(f"{ms}\ttotal\t{total}\n")
            f.flush()
            n += 1
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    with open(out + ".json", "w") as f:
        json.dump({"samples": n, "max": peak, "hwm": hwm}, f)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "snapshot":
        snapshot(parse_roots(sys.argv[2:]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "cpu":
        cpu(parse_roots(sys.argv[2:]))
    elif len(sys.argv) >= 5 and sys.argv[1] == "sample":
        sample(sys.argv[2], float(sys.argv[3]), parse_roots(sys.argv[4:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
