#!/usr/bin/env python3
"""roomd at scale (see README.md, "Scale"): persistent rooms created and configured over XMPP through
Prosody, then roomd restarted on a store of many rooms.

1. xmpp     ROOMS rooms, each the way a client creates a persistent group: join (status 201, the room is
            locked) -> submit the muc#roomconfig form with persistent=1 -> leave. CLIENTS c2s sessions on
            Prosody work in parallel, each one room at a time, waiting for each answer. Timed: total, and
            per room (join sent to leave answered). roomd's peak RSS (VmHWM), the database on disk.
2. restart  roomd stopped (SIGTERM) and started again on that store: time from exec to the control socket
            answering a call, and to the component stream being authenticated with Prosody; RSS after.
3. bulk     the store is filled up to TOTAL rooms with CreateRoom(persistent) over the control socket
            (pipelined, in windows), then restart measured again, as in 2.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "Tests", "integration"))
sys.path.insert(0, os.path.join(REPO, "Benchmarks", "xmpp"))

import mk_helpers as H  # noqa: E402
import xmpp_helpers as XH  # noqa: E402
from bench import M201, MRESULT, MUNAV, Sess  # noqa: E402

ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig"


def status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def disk_bytes(directory):
    total = 0
    for name in os.listdir(directory):
        p = os.path.join(directory, name)
        if os.path.isfile(p):
            total += os.path.getsize(p)
    return total


def varlink_call(sock_path, method, params=None, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        s.sendall(json.dumps({"method": "org.muckick.Rooms." + method, "parameters": params or {}}).encode() + b"\0")
        buf = b""
        while b"\0" not in buf:
            d = s.recv(65536)
            if not d:
                raise OSError("closed")
            buf += d
        return json.loads(buf.split(b"\0", 1)[0])
    finally:
        s.close()


def bulk_create(sock_path, names, window=1000):
    """CreateRoom(persistent) for every name, `window` calls written at once, their replies read before the
    next window. Returns the number of error replies."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    errors = 0
    buf = b""
    for i in range(0, len(names), window):
        batch = names[i:i + window]
        s.sendall(b"".join(json.dumps({"method": "org.muckick.Rooms.CreateRoom",
                                       "parameters": {"room": n, "persistent": True}}).encode() + b"\0"
                           for n in batch))
        got = 0
        while got < len(batch):
            d = s.recv(1 << 20)
            if not d:
                raise OSError("roomd closed the control connection")
            buf += d
            parts = buf.split(b"\0")
            buf = parts.pop()
            for p in parts:
                got += 1
                if b'"error"' in p:
                    errors += 1
    s.close()
    return errors


class Scale:
    def __init__(self, args):
        self.a = args
        self.res = {}

    def restart(self, label):
        """Stops roomd and starts it on the same store; the times from exec to the control socket's first
        answer and to the component stream's authentication."""
        d = self.d
        rc = d.stop()
        assert rc == 0, "roomd exit code %s on SIGTERM" % rc
        t0 = time.monotonic()
        d.proc = d.spawn()
        t_sock = None
        auth = XH.ComponentRoomd.AUTHENTICATED
        t_auth = None
        while t_sock is None or t_auth is None:
            if d.proc.poll() is not None:
                raise AssertionError("roomd exited during restart:\n%s" % d.log())
            now = time.monotonic()
            if now - t0 > self.a.timeout:
                raise TimeoutError("restart not done within %ss" % self.a.timeout)
            if t_sock is None:
                try:
                    r = varlink_call(d.sock, "ListServices", timeout=self.a.timeout)
                    if "parameters" in r:
                        t_sock = time.monotonic()
                except OSError:
                    pass
            if t_auth is None and auth in d.current_log():
                t_auth = time.monotonic()
            time.sleep(0.002)
        time.sleep(2)
        rooms = len(varlink_call(d.sock, "ListRooms", timeout=60)["parameters"]["rooms"])
        out = {
            "rooms_loaded": rooms,
            "seconds_to_control_socket": round(t_sock - t0, 3),
            "seconds_to_component_authenticated": round(t_auth - t0, 3),
            "roomd_rss_kib_after": status(d.proc.pid, "VmRSS"),
            "db_bytes": disk_bytes(d.state_dir),
        }
        self.res[label] = out
        print(label, json.dumps(out), flush=True)
        return out

    async def create_rooms(self):
        a = self.a
        names = ["scale%06d@%s" % (i, XH.MUC) for i in range(a.rooms)]
        sess = [Sess("c%05d" % i, self.p.c2s_port) for i in range(a.clients)]
        await asyncio.gather(*(s.login() for s in sess))
        per_room = []
        done = [0]

        async def worker(k, s):
            for room in names[k::a.clients]:
                occ = "%s/owner" % room
                t0 = time.monotonic()
                s.send("<presence to='%s'><x xmlns='http://jabber.org/protocol/muc'/></presence>" % occ)
                await s.expect(M201, timeout=a.timeout)
                s.send("<iq type='set' id='cfg' to='%s'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                       "<x xmlns='jabber:x:data' type='submit'>"
                       "<field var='FORM_TYPE'><value>%s</value></field>"
                       "<field var='muc#roomconfig_persistentroom'><value>1</value></field>"
                       "</x></query></iq>" % (room, ROOMCONFIG))
                await s.expect(MRESULT, timeout=a.timeout)
                s.send("<presence type='unavailable' to='%s'/>" % occ)
                await s.expect(MUNAV, timeout=a.timeout)
                per_room.append(time.monotonic() - t0)
                done[0] += 1

        async def progress():
            while True:
                await asyncio.sleep(10)
                print("  ... %d rooms, roomd RSS %d KiB" % (done[0], status(self.d.proc.pid, "VmRSS")),
                      file=sys.stderr, flush=True)

        cpu0 = self.cpu()
        t0 = time.monotonic()
        prog = asyncio.ensure_future(progress())
        try:
            await asyncio.gather(*(worker(k, s) for k, s in enumerate(sess)))
        finally:
            prog.cancel()
        total = time.monotonic() - t0
        errors = sum(s.counts[b"type='error'"] for s in sess)
        await asyncio.gather(*(s.close() for s in sess))
        per_room.sort()
        out = {
            "rooms": a.rooms,
            "clients": a.clients,
            "seconds_total": round(total, 2),
            "rooms_per_s": round(a.rooms / total, 1),
            "ms_per_room_p50": round(statistics.median(per_room) * 1000, 2),
            "ms_per_room_p99": round(per_room[int(len(per_room) * 0.99)] * 1000, 2),
            "error_stanzas": errors,
            "cpu_s": {k: round(v, 2) for k, v in self.cpu_delta(cpu0).items()},
            "roomd_peak_rss_kib": status(self.d.proc.pid, "VmHWM"),
            "roomd_rss_kib": status(self.d.proc.pid, "VmRSS"),
            "db_bytes": disk_bytes(self.d.state_dir),
        }
        assert errors == 0, "%d error stanzas" % errors
        listed = varlink_call(self.d.sock, "ListRooms", timeout=60)["parameters"]["rooms"]
        persistent = sum(1 for r in listed if r.get("persistent"))
        assert persistent >= a.rooms, "%d persistent rooms listed, expected %d" % (persistent, a.rooms)
        self.res["xmpp_create"] = out
        print("xmpp_create", json.dumps(out), flush=True)

    def cpu(self):
        return {"roomd": H_cpu(self.d.proc.pid), "prosody": H_cpu(self.p.proc.pid)}

    def cpu_delta(self, before):
        now = self.cpu()
        return {k: now[k] - before[k] for k in now}

    def run(self):
        a = self.a
        XH.ensure_apt("prosody", "prosody")
        self.p = XH.Prosody(users=[], level="warn", workdir=H.make_workdir())
        self.p.register_bulk(["c%05d" % i for i in range(a.clients)])
        self.p.start()
        self.d = XH.ComponentRoomd(self.p.component_port, self.p.secret)
        try:
            self.d.start_attached()
            if a.rooms:
                asyncio.run(self.create_rooms())
                self.restart("restart_after_xmpp")
            if a.total > a.rooms:
                names = ["bulk%06d@%s" % (i, XH.MUC) for i in range(a.total - a.rooms)]
                t0 = time.monotonic()
                errors = bulk_create(self.d.sock, names)
                took = time.monotonic() - t0
                out = {"rooms": len(names), "seconds": round(took, 2), "rooms_per_s": round(len(names) / took, 1),
                       "errors": errors, "roomd_rss_kib": status(self.d.proc.pid, "VmRSS"),
                       "roomd_peak_rss_kib": status(self.d.proc.pid, "VmHWM"),
                       "db_bytes": disk_bytes(self.d.state_dir)}
                assert errors == 0, "%d CreateRoom errors" % errors
                self.res["bulk_create"] = out
                print("bulk_create", json.dumps(out), flush=True)
                self.restart("restart_after_bulk")
        finally:
            try:
                self.d.stop()
            except Exception as e:
                print("stop roomd: %s" % e, file=sys.stderr)
            self.p.cleanup()
            import shutil
            shutil.rmtree(self.d.workdir, ignore_errors=True)
        return self.res


def H_cpu(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rooms", type=int, default=10000, help="rooms created and configured over XMPP")
    ap.add_argument("--total", type=int, default=100000, help="rooms in the store for the second restart")
    ap.add_argument("--clients", type=int, default=20, help="c2s sessions creating rooms in parallel")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    t0 = time.monotonic()
    res = Scale(a).run()
    res["total_s"] = round(time.monotonic() - t0, 1)
    res["roomd"] = H.roomd_bin()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
