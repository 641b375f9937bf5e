#!/usr/bin/env python3
"""Runs a command and times its start: writes each line of its output (stdout and stderr) to LOG
prefixed with the milliseconds since the exec, notes when a line containing READY_TEXT appears
and when GET PROBE_URL first answers 200, and keeps copying the output until the command exits.

usage: launch_timed.py --log LOG --timings FILE [--ready-text TEXT] [--probe URL]
                       [--cacert PEM] -- CMD [ARG...]

FILE is rewritten (atomically) at every event, as "key value" lines:
  pid <pid of CMD>          ready_ms <ms>        ready_line <the line>
  probe_ms <ms>             probe_tries <n>      exit_code <code>     exit_ms <ms>
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
                            note(probe_ms=ms(), probe_tries=tries)
                            return
                except (urllib.error.URLError, OSError, ValueError):
                    pass
                time.sleep(0.01)

        threading.Thread(target=probe, daemon=True).start()

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


if __name__ == "__main__":
    main()
