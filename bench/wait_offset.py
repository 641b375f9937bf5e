#!/usr/bin/env python3
"""Polls the logger's state file until it records that NAME was read to SIZE bytes, and prints
"done_s <s>" (the state file's mtime, i.e. when the logger saved that position, minus T0),
"seen_s <s>" (when this poll saw it, minus T0) and "first_s <s>" (when a state file first
appeared, minus T0). T0 is an epoch time in seconds (bash's $EPOCHREALTIME before the start).
Fails when PID exits first or after TIMEOUT seconds.

usage: wait_offset.py STATE NAME SIZE T0 PID [TIMEOUT=600] [INTERVAL=0.02]
"""
import json
import os
import sys
import time


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main():
    state, name, size, t0, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 600
    interval = float(sys.argv[7]) if len(sys.argv) > 7 else 0.02
    first = None
    last = None
    while True:
        now = time.time()
        try:
            st = os.stat(state)
            with open(state) as f:
                pos = json.load(f).get(name)
            if first is None:
                first = st.st_mtime_ns / 1e9 - t0
            if pos is not None:
                last = pos.get("offset")
                if last == size:
                    print(f"done_s {st.st_mtime_ns / 1e9 - t0:.3f}\nseen_s {now - t0:.3f}\nfirst_s {first:.3f}")
                    return
        except (FileNotFoundError, json.JSONDecodeError, ValueError):
            pass
        if not alive(pid):
            sys.exit(f"the logger (pid {pid}) exited; last offset {last} of {size}")
        if now - t0 > timeout:
            sys.exit(f"timeout after {timeout} s; last offset {last} of {size}")
        time.sleep(interval)


if __name__ == "__main__":
    main()
