#!/usr/bin/env python3
"""Runs a command to its end and measures it: wall time from right before the exec to its exit,
user and system CPU and peak RSS from wait4 (ru_maxrss, what VmHWM is at exit), and VmRSS
sampled every INTERVAL seconds while it runs (like rss_sampler.py). The command's stdout and
stderr go to LOG. Writes "key value" lines to OUT:
  wall_s  user_s  sys_s  maxrss_kib  sampled_max_kib  samples  exit_code
SIGTERM and SIGINT sent to this wrapper are passed on to the command.

usage: proc_stats.py OUT LOG INTERVAL -- CMD [ARG...]
"""
import os
import signal
import subprocess
import sys
import threading
import time


def vmrss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def main():
    out, logf, interval = sys.argv[1], sys.argv[2], float(sys.argv[3])
    cmd = sys.argv[4:]
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        sys.exit("no command")
    with open(logf, "ab") as log:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, _f: p.send_signal(s))
    peak = [0, 0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            r = vmrss(p.pid)
            if r is not None:
                peak[0] = max(peak[0], r)
                peak[1] += 1
            done.wait(interval)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    while True:
        try:
            _, status, ru = os.wait4(p.pid, 0)
            break
        except InterruptedError:
            continue
    wall = time.monotonic() - t0
    done.set()
    th.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"wall_s {wall:.3f}\nuser_s {ru.ru_utime:.3f}\nsys_s {ru.ru_stime:.3f}\nmaxrss_kib {ru.ru_maxrss}\n"
                f"sampled_max_kib {peak[0]}\nsamples {peak[1]}\nexit_code {p.returncode}\n")
    os.replace(tmp, out)
    sys.exit(0 if p.returncode == 0 else 1)


if __name__ == "__main__":
    main()
