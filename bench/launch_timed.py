#!/usr/bin/env python3
"""Runs a command and times its start: writes each line of its output (stdout and stderr) to LOG
prefixed with the milliseconds since the exec, notes when a line containing READY_TEXT appears
and when GET PROBE_URL first answers 200, and keeps copying the output until the command exits.

usage: launch_timed.py --log LOG --timings FILE [--ready-text TEXT] [--probe URL]
                       [--cacert PEM] [--watch-children] -- CMD [ARG...]

FILE is rewritten (atomically) at every event, as "key value" lines:
  pid <pid of CMD>          ready_ms <ms>        ready_line <the line>
  probe_ms <ms>             probe_tries <n>      exit_code <code>     exit_ms <ms>
  machine_cpu_s <CPU seconds every process of the machine used from the exec to probe_ms>
With --watch-children, for each descendant that has a "--port N" argument (labelled as
rss_tree.py does, spaces as "_"), the first time it was seen and the first time N accepted a
TCP connection on 127.0.0.1:
  spawn:<label> <ms>        listen:<label> <ms>
The timer starts right before the exec. SIGTERM and SIGINT sent to this launcher are ignored
(stop the command itself; its output is copied until the end). Output is read as bytes, so a
line that is not UTF-8 does not stop the copy.
"""
import argparse
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--timings", required=True)
    ap.add_argument("--ready-text")
    ap.add_argument("--probe")
    ap.add_argument("--cacert")
    ap.add_argument("--watch-children", action="store_true")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        sys.exit("no command")

    # a handler, not SIG_IGN: ignored signals would stay ignored in the exec'd command
    signal.signal(signal.SIGTERM, lambda *_: None)
    signal.signal(signal.SIGINT, lambda *_: None)

    timings = {}
    lock = threading.Lock()

    def note(**kv):
        with lock:
            timings.update(kv)
            tmp = a.timings + ".tmp"
            with open(tmp, "w") as f:
                for k, v in timings.items():
                    f.write(f"{k} {v}\n")
            os.replace(tmp, a.timings)

    def machine_cpu():  # busy CPU seconds of the whole machine so far
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")

    cpu0 = machine_cpu()
    t0 = time.monotonic()

    def ms():
        return int((time.monotonic() - t0) * 1000)

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    note(pid=proc.pid)

    done = threading.Event()
    if a.probe:
        ctx = None
        if a.probe.startswith("https:"):
            ctx = ssl.create_default_context(cafile=a.cacert) if a.cacert else ssl._create_unverified_context()

        def probe():
            tries = 0
            while not done.is_set():
                tries += 1
                try:
                    with urllib.request.urlopen(a.probe, timeout=1, context=ctx) as r:
                        if r.status == 200:
                            note(probe_ms=ms(), probe_tries=tries, machine_cpu_s=f"{machine_cpu() - cpu0:.2f}")
                            return
                except (urllib.error.URLError, OSError, ValueError):
                    pass
                time.sleep(0.01)

        threading.Thread(target=probe, daemon=True).start()

    if a.watch_children:
        threading.Thread(target=watch_children, args=(proc.pid, done, note, ms, timings), daemon=True).start()

    ready = a.ready_text.encode() if a.ready_text else None
    with open(a.log, "wb") as log:
        for line in proc.stdout:
            t = ms()
            log.write(b"%7d " % t + line)
            log.flush()
            if ready is not None and ready in line:
                ready = None
                note(ready_ms=t, ready_line=line.decode(errors="replace").strip())
    code = proc.wait()
    done.set()
    note(exit_code=code, exit_ms=ms())


def watch_children(root, done, note, ms, timings):
    """Notes when each descendant with a --port appears and when its port accepts connections.
    Reads the stat of new pids only, so a scan every 20 ms costs little."""
    import socket
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import rss_tree

    parent = {}    # pid -> ppid, for every pid seen
    tracked = {}   # pid -> (key, port) of the descendants with a --port
    deadline = time.monotonic() + 300
    while not done.is_set() and time.monotonic() < deadline:
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) in parent:
                continue
            pid = int(name)
            stat = rss_tree.read(f"/proc/{pid}/stat")
            if not stat:
                continue
            parent[pid] = int(stat[stat.rfind(b")") + 2:].split()[1])
        for pid, ppid in list(parent.items()):
            if pid in tracked or pid == root:
                continue
            p = ppid
            for _ in range(10):  # is root an ancestor?
                if p == root or p not in parent:
                    break
                p = parent[p]
            if p != root:
                continue
            raw = rss_tree.read(f"/proc/{pid}/cmdline") or b""
            args = raw.rstrip(b"\0").split(b"\0")
            if b"--port" not in args or args.index(b"--port") + 1 >= len(args):
                continue  # no port, or not yet exec'd (jspawnhelper): look again next time
            label = rss_tree.label_of(pid) or str(pid)
            key = label.replace(" ", "_")
            tracked[pid] = (key, int(args[args.index(b"--port") + 1]))
            if f"spawn:{key}" not in timings:
                note(**{f"spawn:{key}": ms()})
        for pid, t in tracked.items():
            if f"listen:{t[0]}" in timings:
                continue
            with socket.socket() as sock:
                sock.settimeout(0.05)
                try:
                    sock.connect(("127.0.0.1", t[1]))
                    note(**{f"listen:{t[0]}": ms()})
                except OSError:
                    pass
        time.sleep(0.02)


if __name__ == "__main__":
    main()
