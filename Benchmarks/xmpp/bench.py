#!/usr/bin/env python3
"""XMPP benchmark driver for roomd as an XEP-0114 component of Prosody (see README.md).

Every occupant is a real c2s session on Prosody (its own TCP connection, SASL PLAIN over plaintext
loopback, resource bind), driven by a minimal asyncio client that does not parse XML: it counts byte
markers in what the server sends (`<subject` = join finished, `code='307'` = a kick presence,
`<presence` = any presence). Prosody serialises stanzas itself, so the markers are stable; the driver
checks the counts are exact at the end of each phase.

Phases, for each room size N (default 100 and 1000):
  login  N sessions log in (not roomd; reported for context)
  join   all N sessions send their MUC join presence at once; done when every one has its subject
         message. roomd sends each joiner the occupant list and broadcasts the join to everyone already
         there, so the phase moves ~N^2 presences through roomd -> Prosody -> clients.
  kick   K occupants are kicked through HTTP (nginx -> muc-kick-fcgi -> roomd, C requests in flight);
         done when every remaining session has received all K kick presences (status 307). Each kick
         fans out to every XMPP occupant still in the room.
  xkick  K more occupants are kicked over XMPP by the room's owner (muc#admin iqs, all sent at once on
         the owner's stream); done as above.

The same phases also run with no XMPP server at all (--direct-sizes): the driver accepts roomd's
component connection itself (FakeServer), injects what a server would route and counts roomd's output,
which measures roomd's own ceiling.
"""

import argparse
import asyncio
import base64
import json
import os
import resource
import shutil
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "Tests", "integration"))

import http_helpers as HH  # noqa: E402
import mk_helpers as H  # noqa: E402
import xmpp_helpers as XH  # noqa: E402

M307 = b"code='307'"
MSUBJ = b"<subject"
MPRES = b"<presence"
MERR = b"type='error'"
MARKERS = (M307, MSUBJ, MPRES, MERR)


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


class Sess:
    """One c2s session: login, then a reader task that counts markers."""

    def __init__(self, user, port):
        self.user = user
        self.port = port
        self.jid = "%s@%s/b" % (user, XH.DOMAIN)
        self.counts = {m: 0 for m in MARKERS}
        self.tail = b""
        self.bytes = 0
        self.buf = b""
        self.reader = None
        self.closed = False

    async def _until(self, marker, fail=None):
        while marker not in self.buf:
            if fail and fail in self.buf:
                raise RuntimeError("%s: %r" % (self.user, self.buf[-300:]))
            d = await self.r.read(65536)
            if not d:
                raise RuntimeError("%s: connection closed during login: %r" % (self.user, self.buf[-300:]))
            self.buf += d
        self.buf = b""

    def _header(self):
        return ("<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
                "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" % XH.DOMAIN).encode()

    async def login(self):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", self.port)
        self.w.write(self._header())
        await self._until(b"</stream:features>")
        tok = base64.b64encode(("\0%s\0%s" % (self.user, XH.password(self.user))).encode()).decode()
        self.w.write(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" % tok).encode())
        await self._until(b"<success", fail=b"<failure")
        self.w.write(self._header())
        await self._until(b"</stream:features>")
        self.w.write(b"<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     b"<resource>b</resource></bind></iq>")
        await self._until(b"</iq>")
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        keep = max(len(m) for m in MARKERS) - 1
        while True:
            try:
                d = await self.r.read(262144)
            except (ConnectionError, OSError):
                d = b""
            if not d:
                self.closed = True
                return
            self.bytes += len(d)
            b = self.tail + d
            for m in MARKERS:
                self.counts[m] += b.count(m)
            self.tail = b[-keep:]

    def send(self, data):
        self.w.write(data.encode() if isinstance(data, str) else data)

    async def close(self):
        try:
            self.w.write(b"</stream:stream>")
            self.w.close()
        except Exception:
            pass
        if self.reader:
            self.reader.cancel()


PROGRESS = []


async def wait_all(pred, timeout, what, progress=None):
    t0 = time.monotonic()
    last = t0
    while not pred():
        now = time.monotonic()
        if now - t0 > timeout:
            raise TimeoutError("%s: not done within %ss%s" % (what, timeout, (": " + progress()) if progress else ""))
        if progress and now - last > 5:
            last = now
            print("  ... %s after %.0f s: %s" % (what, now - t0, progress()), file=sys.stderr, flush=True)
        await asyncio.sleep(0.005)
    return time.monotonic()


class FakeServer:
    """Plays the XMPP server's side of XEP-0114 for roomd, so roomd's own cost is measured without a real
    server in the way: accepts the component connection, answers the handshake, injects client stanzas
    (as a server would route them) and counts roomd's output stanzas by marker."""

    def __init__(self):
        self.counts = {m: 0 for m in MARKERS}
        self.tail = b""
        self.bytes = 0
        self.ready = asyncio.Event()
        self.w = None

    async def start(self):
        self.server = await asyncio.start_server(self._conn, "127.0.0.1", 0, limit=1 << 20)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _conn(self, r, w):
        if self.w is not None:
            w.close()
            return
        buf = b""
        while b">" not in buf.split(b"<stream:stream", 1)[-1]:
            d = await r.read(65536)
            if not d:
                return
            buf += d
        w.write(b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                b"xmlns='jabber:component:accept' id='bench-stream-1' from='chat.localhost'>")
        buf = b""
        while b"</handshake>" not in buf:
            d = await r.read(65536)
            if not d:
                return
            buf += d
        w.write(b"<handshake/>")
        self.w = w
        self.ready.set()
        keep = max(len(m) for m in MARKERS) - 1
        while True:
            try:
                d = await r.read(1 << 20)
            except (asyncio.CancelledError, ConnectionError, OSError):
                return
            if not d:
                return
            self.bytes += len(d)
            b = self.tail + d
            for m in MARKERS:
                self.counts[m] += b.count(m)
            self.tail = b[-keep:]

    def send(self, data):
        self.w.write(data.encode() if isinstance(data, str) else data)

    def close(self):
        if self.w:
            self.w.close()
            self.w = None
        self.server.close()


class Bench:
    def __init__(self, args):
        self.args = args
        self.results = []

    def procs(self):
        return {"roomd": self.d.proc.pid, "prosody": self.p.proc.pid}

    def cpu(self):
        c = {k: cpu_seconds(v) for k, v in self.procs().items()}
        c["bench_client"] = time.process_time()
        return c

    def cpu_delta(self, before):
        now = self.cpu()
        return {k: round(now[k] - before[k], 2) for k in now}

    async def run_size(self, n, kicks, xkicks):
        a = self.args
        loop = asyncio.get_running_loop()
        room = "bench%d-%d@%s" % (n, os.getpid() % 10000, XH.MUC)
        owner = "u00000"
        users = ["u%05d" % i for i in range(n)]
        HH.RoomState(self.d).make_room(room, affiliations=[(owner + "@" + XH.DOMAIN, "owner")])
        res = {"occupants": n, "room": room}

        # login (Prosody only), in waves so the listen backlog is not flooded
        sess = [Sess(u, self.p.c2s_port) for u in users]
        t0 = time.monotonic()
        sem = asyncio.Semaphore(100)

        async def login(s):
            async with sem:
                await s.login()
        await asyncio.gather(*(login(s) for s in sess))
        res["login_s"] = round(time.monotonic() - t0, 3)

        # join: everyone at once
        cpu0 = self.cpu()
        t0 = time.monotonic()
        for s in sess:
            s.send("<presence to='%s/%s'><x xmlns='http://jabber.org/protocol/muc'/></presence>" % (room, s.user))
        def jprog():
            return "%d joined, %d presences delivered, cpu %s" % (
                sum(1 for s in sess if s.counts[MSUBJ]), sum(s.counts[MPRES] for s in sess), self.cpu_delta(cpu0))
        t1 = await wait_all(lambda: all(s.counts[MSUBJ] >= 1 for s in sess), a.timeout, "join of %d" % n, jprog)
        # every session must end up with a presence for every occupant (N each, own included)
        await wait_all(lambda: all(s.counts[MPRES] >= n for s in sess), a.timeout, "join presences")
        t2 = time.monotonic()
        errs = sum(s.counts[MERR] for s in sess)
        pres = sum(s.counts[MPRES] for s in sess)
        occ = HH.RoomState(self.d).occupants(room)
        assert len(occ) == n, "roomd has %d occupants, expected %d" % (len(occ), n)
        assert errs == 0, "%d error stanzas during the joins" % errs
        res["join"] = {
            "seconds_all_joined": round(t1 - t0, 3),
            "joins_per_s": round(n / (t1 - t0), 1),
            "seconds_all_presences": round(t2 - t0, 3),
            "presences_delivered": pres,
            "presences_per_s": round(pres / (t2 - t0), 1),
            "cpu_s": self.cpu_delta(cpu0),
            "roomd_rss_kib": rss_kib(self.d.proc.pid),
            "prosody_rss_kib": rss_kib(self.p.proc.pid),
        }
        await asyncio.sleep(0.5)

        # kicks over HTTP
        targets = users[1:1 + kicks]
        kicked = set(targets)
        remaining = [s for s in sess if s.user not in kicked]
        base307 = {s.user: s.counts[M307] for s in sess}
        lat = []

        def http_kick(nick):
            t = time.monotonic()
            r = self.stack.post({"nickname": nick, "muc": room, "reason": "benchmark"})
            lat.append(time.monotonic() - t)
            return r.status

        pool = ThreadPoolExecutor(a.http_concurrency)
        cpu0 = self.cpu()
        t0 = time.monotonic()
        statuses = await asyncio.gather(*(loop.run_in_executor(pool, http_kick, nick) for nick in targets))
        t_http = time.monotonic()
        t1 = await wait_all(lambda: all(s.counts[M307] - base307[s.user] >= kicks for s in remaining),
                            a.timeout, "kick fan-out")
        pool.shutdown()
        bad = [st for st in statuses if st != 200]
        assert not bad, "HTTP kicks failed: %r" % bad[:5]
        await asyncio.sleep(0.3)
        delivered = sum(s.counts[M307] - base307[s.user] for s in sess)
        # exact: each kick reaches every occupant present at the time, the kicked one included
        expected = sum(n - i for i in range(kicks))
        res["http_kick"] = {
            "kicks": kicks,
            "concurrency": a.http_concurrency,
            "seconds_http_done": round(t_http - t0, 3),
            "seconds_fanout_done": round(t1 - t0, 3),
            "kicks_per_s": round(kicks / (t1 - t0), 1),
            "kick_presences_delivered": delivered,
            "kick_presences_expected": expected,
            "presences_per_s": round(delivered / (t1 - t0), 1),
            "http_latency_ms_p50": round(statistics.median(lat) * 1000, 2),
            "http_latency_ms_max": round(max(lat) * 1000, 2),
            "cpu_s": self.cpu_delta(cpu0),
        }
        assert delivered == expected, "kick presences: %d delivered, %d expected" % (delivered, expected)
        assert len(HH.RoomState(self.d).occupants(room)) == n - kicks

        # kicks over XMPP by the owner (all iqs sent at once on the owner's stream)
        if xkicks:
            present = [s for s in sess if s.user not in kicked]
            xt = [s.user for s in present[1:1 + xkicks]]
            kicked |= set(xt)
            remaining = [s for s in sess if s.user not in kicked]
            base307 = {s.user: s.counts[M307] for s in sess}
            owner_s = sess[0]
            n_now = n - kicks
            cpu0 = self.cpu()
            t0 = time.monotonic()
            owner_s.send("".join(
                "<iq type='set' to='%s' id='k%d'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                "<item nick='%s' role='none'><reason>benchmark</reason></item></query></iq>" % (room, i, nick)
                for i, nick in enumerate(xt)))
            t1 = await wait_all(lambda: all(s.counts[M307] - base307[s.user] >= xkicks for s in remaining),
                                a.timeout, "xmpp kick fan-out")
            await asyncio.sleep(0.3)
            delivered = sum(s.counts[M307] - base307[s.user] for s in sess)
            expected = sum(n_now - i for i in range(xkicks))
            res["xmpp_kick"] = {
                "kicks": xkicks,
                "seconds_fanout_done": round(t1 - t0, 3),
                "kicks_per_s": round(xkicks / (t1 - t0), 1),
                "kick_presences_delivered": delivered,
                "kick_presences_expected": expected,
                "presences_per_s": round(delivered / (t1 - t0), 1),
                "cpu_s": self.cpu_delta(cpu0),
            }
            assert delivered == expected, "xmpp kick presences: %d delivered, %d expected" % (delivered, expected)

        # leave: close every session (Prosody tells roomd they are gone)
        await asyncio.gather(*(s.close() for s in sess))
        deadline = time.monotonic() + 60
        while HH.RoomState(self.d).occupants(room) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        res["roomd_rss_kib_after"] = rss_kib(self.d.proc.pid)
        return res

    async def run_direct(self, n, kicks, xkicks):
        """roomd alone: the bench plays the XMPP server (see FakeServer)."""
        a = self.args
        loop = asyncio.get_running_loop()
        fs = self.fake
        room = "direct%d-%d@%s" % (n, os.getpid() % 10000, XH.MUC)
        users = ["u%05d" % i for i in range(n)]
        owner = users[0]
        HH.RoomState(self.dd).make_room(room, affiliations=[(owner + "@" + XH.DOMAIN, "owner")])
        res = {"occupants": n, "room": room, "server": "none (bench plays the XMPP server)"}
        c0 = dict(fs.counts)

        def cnt(m):
            return fs.counts[m] - c0[m]
        cpu0 = cpu_seconds(self.dd.proc.pid)
        t0 = time.monotonic()
        fs.send("".join("<presence from='%s@localhost/b' to='%s/%s'><x xmlns='http://jabber.org/protocol/muc'/>"
                        "</presence>" % (u, room, u) for u in users))
        t1 = await wait_all(lambda: cnt(MSUBJ) >= n, a.timeout, "direct join of %d" % n)
        t2 = await wait_all(lambda: cnt(MPRES) >= n * n, a.timeout, "direct join presences")
        assert cnt(MERR) == 0
        res["join"] = {
            "seconds_all_joined": round(t1 - t0, 3),
            "joins_per_s": round(n / (t1 - t0), 1),
            "presences_out": cnt(MPRES),
            "presences_per_s": round(cnt(MPRES) / (t2 - t0), 1),
            "roomd_cpu_s": round(cpu_seconds(self.dd.proc.pid) - cpu0, 2),
            "roomd_rss_kib": rss_kib(self.dd.proc.pid),
        }
        assert len(HH.RoomState(self.dd).occupants(room)) == n

        targets = users[1:1 + kicks]
        c0 = dict(fs.counts)
        lat = []

        def http_kick(nick):
            t = time.monotonic()
            r = self.dstack.post({"nickname": nick, "muc": room, "reason": "benchmark"})
            lat.append(time.monotonic() - t)
            return r.status
        expected = sum(n - i for i in range(kicks))
        pool = ThreadPoolExecutor(a.http_concurrency)
        cpu0 = cpu_seconds(self.dd.proc.pid)
        t0 = time.monotonic()
        statuses = await asyncio.gather(*(loop.run_in_executor(pool, http_kick, nick) for nick in targets))
        t1 = await wait_all(lambda: cnt(M307) >= expected, a.timeout, "direct kick fan-out")
        pool.shutdown()
        assert all(st == 200 for st in statuses), statuses[:5]
        res["http_kick"] = {
            "kicks": kicks, "concurrency": a.http_concurrency,
            "seconds_fanout_done": round(t1 - t0, 3),
            "kicks_per_s": round(kicks / (t1 - t0), 1),
            "kick_presences_out": cnt(M307), "kick_presences_expected": expected,
            "presences_per_s": round(cnt(M307) / (t1 - t0), 1),
            "http_latency_ms_p50": round(statistics.median(lat) * 1000, 2),
            "roomd_cpu_s": round(cpu_seconds(self.dd.proc.pid) - cpu0, 2),
        }
        if xkicks:
            n_now = n - kicks
            xt = users[1 + kicks:1 + kicks + xkicks]
            expected = sum(n_now - i for i in range(xkicks))
            c0 = dict(fs.counts)
            cpu0 = cpu_seconds(self.dd.proc.pid)
            t0 = time.monotonic()
            fs.send("".join(
                "<iq type='set' from='%s@localhost/b' to='%s' id='k%d'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                "<item nick='%s' role='none'><reason>benchmark</reason></item></query></iq>" % (owner, room, i, nick)
                for i, nick in enumerate(xt)))
            t1 = await wait_all(lambda: cnt(M307) >= expected, a.timeout, "direct xmpp kick fan-out")
            res["xmpp_kick"] = {
                "kicks": xkicks,
                "seconds_fanout_done": round(t1 - t0, 3),
                "kicks_per_s": round(xkicks / (t1 - t0), 1),
                "kick_presences_out": cnt(M307), "kick_presences_expected": expected,
                "presences_per_s": round(cnt(M307) / (t1 - t0), 1),
                "roomd_cpu_s": round(cpu_seconds(self.dd.proc.pid) - cpu0, 2),
            }
        # everyone leaves (as a server does when clients go)
        fs.send("".join("<presence type='unavailable' from='%s@localhost/b' to='%s/%s'/>" % (u, room, u)
                        for u in users))
        deadline = time.monotonic() + 60
        while HH.RoomState(self.dd).occupants(room) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await self.settle(lambda: fs.bytes)
        return res

    async def settle(self, value, quiet=0.5, timeout=60):
        """Waits until value() stops changing for `quiet` seconds (stanzas still in flight)."""
        deadline = time.monotonic() + timeout
        last = value()
        while time.monotonic() < deadline:
            await asyncio.sleep(quiet)
            v = value()
            if v == last:
                return
            last = v

    async def main(self):
        a = self.args
        if a.direct_sizes:
            self.fake = await FakeServer().start()
            self.dd = XH.ComponentRoomd(self.fake.port, "direct-secret")
            self.dd.start()
            await asyncio.wait_for(self.fake.ready.wait(), 30)
            self.dstack = HH.Stack(daemon=self.dd, threads=a.responder_threads).start()
            try:
                for n in [int(x) for x in a.direct_sizes.split(",")]:
                    r = await self.run_direct(n, min(a.kicks, n // 2), min(a.xmpp_kicks, n // 4))
                    self.results.append(r)
                    print(json.dumps(r), flush=True)
            finally:
                self.dstack.stop(check=False)
                self.dd.stop()
                self.fake.close()
                shutil.rmtree(self.dd.workdir, ignore_errors=True)
        if not a.sizes:
            return
        sizes = [int(x) for x in a.sizes.split(",")]
        for n in sizes:
            kicks = min(a.kicks, n // 2)
            xkicks = min(a.xmpp_kicks, n // 4)
            r = await self.run_size(n, kicks, xkicks)
            self.results.append(r)
            print(json.dumps(r), flush=True)

    def setup(self):
        a = self.args
        if not a.sizes:
            return
        resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000)) if resource.getrlimit(
            resource.RLIMIT_NOFILE)[0] < 20000 else None
        XH.ensure_apt("prosody", "prosody")
        top = max(int(x) for x in a.sizes.split(","))
        self.p = XH.Prosody(users=[], level="warn", workdir=H.make_workdir())
        self.p.register_bulk(["u%05d" % i for i in range(top)])
        self.p.start()
        self.d = XH.ComponentRoomd(self.p.component_port, self.p.secret)
        self.d.start_attached()
        self.stack = HH.Stack(daemon=self.d, threads=a.responder_threads).start()

    def teardown(self):
        if not self.args.sizes:
            return
        for f in (lambda: self.stack.stop(check=False), lambda: self.d.stop(), lambda: self.p.cleanup(),
                  lambda: shutil.rmtree(self.d.workdir, ignore_errors=True)):
            try:
                f()
            except Exception as e:  # keep tearing down
                print("teardown: %s" % e, file=sys.stderr)


def summary(results):
    print()
    print("%-34s %6s %10s %12s %10s %12s %10s %12s" % (
        "path", "room", "joins/s", "join pres/s", "HTTP k/s", "HTTP pres/s", "XMPP k/s", "XMPP pres/s"))
    for r in results:
        path = "roomd alone (bench = server)" if "server" in r else "Prosody c2s sessions, end to end"
        j, h, x = r.get("join", {}), r.get("http_kick", {}), r.get("xmpp_kick", {})
        print("%-34s %6d %10s %12s %10s %12s %10s %12s" % (
            path, r["occupants"], j.get("joins_per_s"), j.get("presences_per_s"), h.get("kicks_per_s"),
            h.get("presences_per_s"), x.get("kicks_per_s"), x.get("presences_per_s")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000", help="room sizes through Prosody ('' to skip)")
    ap.add_argument("--direct-sizes", default="100,1000", help="room sizes with the bench as the server ('' to skip)")
    ap.add_argument("--kicks", type=int, default=50, help="HTTP kicks per room (at most N/2)")
    ap.add_argument("--xmpp-kicks", type=int, default=25, help="XMPP kicks per room (at most N/4)")
    ap.add_argument("--http-concurrency", type=int, default=4)
    ap.add_argument("--responder-threads", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--json", default=None, help="write all results to this file")
    args = ap.parse_args()
    b = Bench(args)
    t0 = time.monotonic()
    try:
        b.setup()
        print("roomd: %s" % H.roomd_bin(), flush=True)
        asyncio.run(b.main())
    finally:
        b.teardown()
    summary(b.results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"roomd": H.roomd_bin(), "results": b.results,
                       "total_s": round(time.monotonic() - t0, 1)}, f, indent=2)
    print("total %.1f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    main()
