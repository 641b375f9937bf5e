#!/usr/bin/env python3
"""Samples a process's VmRSS every INTERVAL seconds until it is sent SIGTERM/SIGINT or the
process exits; writes one line per sample, "<ms since start> <VmRSS KiB>", to OUT, and on exit
a last line "# max <KiB> hwm <VmHWM KiB>".

usage: rss_sampler.py PID OUT [INTERVAL=0.1]
"""
import signal
import sys
import time


def status(pid):
    """VmRSS and VmHWM of pid in KiB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = hwm = None
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
            return rss, hwm
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def main():
    pid = int(sys.argv[1])
    out = sys.argv[2]
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.1
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    start = time.monotonic()
    peak = 0
    hwm = 0
    with open(out, "w") as f:
        next_at = start
        while not stop:
            s = status(pid)
            if s is None or s[0] is None:
                break
            peak = max(peak, s[0])
            hwm = max(hwm, s[1] or 0)
            f.write(f"{int((time.monotonic() - start) * 1000)} {s[0]}\n")
            f.flush()
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        f.write(f"# max {peak} hwm {hwm}\n")


if __name__ == "__main__":
    main()
