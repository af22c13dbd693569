#!/usr/bin/env python3
"""A legitimate kick's latency behind Apache mod_proxy_fcgi while unauthenticated clients send their
bodies slowly (the slow-body attack): p50/p99 of sequential kicks with 0, 20 and 100 slow clients, the
responder at its default thread count (16), Apache (event MPM, its default 400 workers) with the shipped
snippet.

    Benchmarks/slowbody/run.sh [KICKS]          # the binaries of `swift build` (MUCKICK_BIN_DIR)

Each slow client opens a connection, sends its headers with a wrong Authorization and a 60,000-byte
Content-Length, 20 KB of body at once (past what Apache reads ahead before it contacts the responder),
then one byte a second. A kick that waits longer than 10 s counts as 10 s (Apache's proxy timeout is 5 s:
such a kick has failed).
"""

import os
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "integration"))

import deploy_helpers as D  # noqa: E402
import http_helpers as X  # noqa: E402

PROXY_CONF = os.path.join(D.APACHE_DIR, "muc-kick-proxy-fcgi.conf")
SHIPPED_SOCKET = "/run/muc-kick/fcgi.sock"


def slow_clients(port, count, stop):
    conns = []
    for _ in range(count):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(b"POST /muc_kick HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic d3Jvbmc6d3Jvbmc=\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{" + b" " * 20000)
        conns.append(c)

    def trickle():
        while not stop.wait(1.0):
            for c in conns:
                try:
                    c.sendall(b" ")
                except OSError:
                    pass
    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    return conns, t


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def main():
    kicks = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    D.ensure_service_users()
    backend = D.Backend(threads=16).start()
    vhost_path = os.path.join(backend.workdir, "slowbody.conf")
    D.write(vhost_path, D.render(PROXY_CONF, [(SHIPPED_SOCKET, backend.fcgi_sock)]))
    # Apache's event MPM defaults (400 workers), not the deploy tests' small pool: 100 slow clients must not
    # exhaust Apache itself, which would measure Apache's capacity instead of the responder's.
    apache = D.Apache(backend.workdir, "slowbody", '    Include "%s"' % vhost_path,
                      server="ServerLimit 16\nThreadsPerChild 25\nMaxRequestWorkers 400").start()
    print("| slow clients | kicks | p50 ms | p99 ms | max ms | failed |")
    print("|---|---|---|---|---|---|")
    try:
        for count in (0, 20, 100):
            occupants = [("o%d" % i, "o%d@example.com/r" % i) for i in range(kicks)]
            room = backend.state.make_room("slow%d-%d@chat.example.org" % (os.getpid(), count), occupants)
            stop = threading.Event()
            conns, t = slow_clients(apache.port, count, stop)
            time.sleep(2)  # every slow request has reached the responder
            times, failed = [], 0
            for nick, _ in occupants:
                started = time.monotonic()
                try:
                    r = X.http_request(apache.port, body={"muc": room, "nickname": nick}, headers=X.auth(),
                                       timeout=10)
                    ok = r.status == 200
                except OSError:
                    ok = False
                elapsed = min(time.monotonic() - started, 10.0)
                failed += 0 if ok else 1
                times.append(elapsed * 1000)
            stop.set()
            t.join(5)
            for c in conns:
                c.close()
            print("| %d | %d | %.1f | %.1f | %.1f | %d |" % (
                count, kicks, percentile(times, 50), percentile(times, 99), max(times), failed))
            sys.stdout.flush()
            time.sleep(1)
    finally:
        apache.stop()
        backend.stop(check=False)
        backend.cleanup()


if __name__ == "__main__":
    main()
