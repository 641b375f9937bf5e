#!/usr/bin/env python3
"""A TCP relay on 127.0.0.1 in front of an upstream, which hangs on demand: while the file
HANG_FLAG exists it accepts connections and reads what is sent but never answers (and it closes
the connections it was forwarding when the file appears, so that clients must connect anew),
as an upstream behind a broken link does. Not a test helper: bench/run-tags-bench.sh uses it.

usage: hang_relay.py LISTEN_PORT TARGET_PORT HANG_FLAG
"""
import os
import socket
import sys
import threading
import time


def main():
    listen_port, target_port, flag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(64)
    forwarding = []
    lock = threading.Lock()

    def watch():
        hung = False
        while True:
            now = os.path.exists(flag)
            if now and not hung:
                with lock:
                    for s in forwarding:
                        try:
                            s.close()
                        except OSError:
                            pass
                    forwarding.clear()
            hung = now
            time.sleep(0.05)

    def pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass

    def drain(c):
        try:
            while c.recv(65536):
                pass
        except OSError:
            pass

    threading.Thread(target=watch, daemon=True).start()
    while True:
        client, _ = server.accept()
        if os.path.exists(flag):
            threading.Thread(target=drain, args=(client,), daemon=True).start()
            continue
        try:
            upstream = socket.create_connection(("127.0.0.1", target_port))
        except OSError:
            client.close()
            continue
        with lock:
            forwarding.extend([client, upstream])
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()


if __name__ == "__main__":
    main()
