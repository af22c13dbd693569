#!/usr/bin/env python3
"""XMPP benchmark driver for roomd as an XEP-0114 component of Prosody (see README.md).

Every occupant is a real c2s session on Prosody (its own TCP connection, SASL PLAIN over plaintext
loopback, resource bind), driven by a minimal asyncio client that does not parse XML: it counts byte
markers in what the server sends (`<subject` = join finished, `code='307'` = a kick presence,
`<presence` = any presence). Prosody serialises stanzas itself, so the markers are stable; the driver
checks the counts are exact at the end of each phase.

Rejoin (--rejoin N, default 20): a room of N occupants in roomd and one in Prosody's own MUC (a
`Component "muc.localhost" "muc"` on the same Prosody), both made over XMPP (201, instant form); one occupant
leaves and joins again, the two rooms alternating; timed from the join presence written to the subject read
(p50/p99, and roomd's / Prosody's ratio), with how many reads the joiner's answer took.

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
MUNAV = b"type='unavailable'"
MRESULT = b"type='result'"
M201 = b"code='201'"
MARKERS = (M307, MSUBJ, MPRES, MERR, MUNAV, MRESULT, M201)
NS_OWNER = "http://jabber.org/protocol/muc#owner"
PROSODY_MUC = "muc.localhost"


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

    def __init__(self, user, port, resource="b"):
        self.user = user
        self.port = port
        self.resource = resource
        self.jid = "%s@%s/%s" % (user, XH.DOMAIN, resource)
        self.counts = {m: 0 for m in MARKERS}
        self.tail = b""
        self.bytes = 0
        self.reads = 0
        self.first_read = None  # arrival time of the first read since `mark_reads()`
        self.buf = b""
        self.reader = None
        self.closed = False
        # (marker, count, future): resolved by the reader, with the arrival time, once counts[marker] >= count
        self.waiter = None

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
                     b"<resource>%s</resource></bind></iq>" % self.resource.encode())
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
            now = time.monotonic()
            self.bytes += len(d)
            self.reads += 1
            if self.first_read is None:
                self.first_read = now
            b = self.tail + d
            for m in MARKERS:
                self.counts[m] += b.count(m)
            self.tail = b[-keep:]
            if self.waiter and self.counts[self.waiter[0]] >= self.waiter[1] and not self.waiter[2].done():
                self.waiter[2].set_result(now)

    def send(self, data):
        self.w.write(data.encode() if isinstance(data, str) else data)

    async def expect(self, marker, more=1, timeout=30):
        """Waits until `more` further `marker`s arrived (counted from the call); returns their arrival time."""
        fut = asyncio.get_running_loop().create_future()
        self.waiter = (marker, self.counts[marker] + more, fut)
        if self.counts[marker] >= self.waiter[1]:
            fut.set_result(time.monotonic())
        try:
            return await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError("%s: no %r within %ss" % (self.jid, marker, timeout)) from None
        finally:
            self.waiter = None

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

    async def run_rejoin(self, n, rounds):
        """One occupant of an n-occupant room leaves and joins again, `rounds` times, in a room of roomd
        (chat.localhost) and in one of Prosody's own MUC (muc.localhost) on the same Prosody, alternating.
        Timed: from the join presence written to the joiner's subject read (its join complete), and the
        whole rejoin (leave sent to subject read). Both rooms are made over XMPP the same way: the first
        occupant creates the room (201) and submits the empty muc#owner form (an instant room)."""
        services = {"roomd": XH.MUC, "prosody": PROSODY_MUC}
        tag = os.getpid() % 10000
        rooms, sess = {}, {}
        for name, domain in services.items():
            room = "rejoin%d-%d@%s" % (n, tag, domain)
            rooms[name] = room
            ss = [Sess("u%05d" % i, self.p.c2s_port, resource=name[0]) for i in range(n)]
            await asyncio.gather(*(s.login() for s in ss))
            sess[name] = ss
            owner = ss[0]
            owner.send("<presence to='%s/%s'><x xmlns='http://jabber.org/protocol/muc'/></presence>" % (room, owner.user))
            await owner.expect(MSUBJ)
            owner.send("<iq type='set' id='instant' to='%s'><query xmlns='%s'><x xmlns='jabber:x:data' type='submit'/>"
                       "</query></iq>" % (room, NS_OWNER))
            await owner.expect(MRESULT)
            for s in ss[1:]:
                s.send("<presence to='%s/%s'><x xmlns='http://jabber.org/protocol/muc'/></presence>" % (room, s.user))
                await s.expect(MSUBJ)
            # Discussion history (XEP-0045 §7.2.13): messages of a chat's everyday size, which both MUCs keep
            # (20 by default) and send on each join before the subject.
            for i in range(self.args.rejoin_history):
                owner.send("<message type='groupchat' to='%s' id='h%d'><body>%s</body></message>" % (
                    room, i, ("Message %d of the history, as long as a line of chat usually is. " % i)[:100]))
        await asyncio.sleep(0.5)
        samples = {name: {"join_ms": [], "rejoin_ms": [], "reads": [], "bytes": [], "spread_ms": []}
                   for name in services}
        pause = self.args.rejoin_pause
        cpu0 = self.cpu()
        for r in range(rounds):
            order = list(services) if r % 2 == 0 else list(reversed(list(services)))
            for name in order:
                s = sess[name][-1]
                occ = "%s/%s" % (rooms[name], s.user)
                t0 = time.monotonic()
                s.send("<presence type='unavailable' to='%s'/>" % occ)
                await s.expect(MUNAV)
                # the others hear of the leave; let that traffic pass so the join starts on quiet streams
                await asyncio.sleep(pause)
                reads, nbytes = s.reads, s.bytes
                s.first_read = None
                t1 = time.monotonic()
                s.send("<presence to='%s'><x xmlns='http://jabber.org/protocol/muc'/></presence>" % occ)
                t2 = await s.expect(MSUBJ)
                sm = samples[name]
                sm["join_ms"].append((t2 - t1) * 1000)
                sm["rejoin_ms"].append((t2 - t0 - pause) * 1000)
                sm["reads"].append(s.reads - reads)
                sm["bytes"].append(s.bytes - nbytes)
                # how long the answer took to arrive once it started: a write held back by Nagle shows here
                sm["spread_ms"].append((t2 - s.first_read) * 1000)
                await asyncio.sleep(pause)
        res = {"rejoin": n, "rounds": rounds, "history": self.args.rejoin_history, "pause_s": pause,
               "prosody_nagle": self.args.prosody_nagle,
               "prosody_read_size": self.args.prosody_read_size or 8192, "cpu_s": self.cpu_delta(cpu0)}
        for name, sm in samples.items():
            j = sorted(sm["join_ms"])
            res[name] = {
                "join_ms_p50": round(statistics.median(j), 2),
                "join_ms_p99": round(j[min(len(j) - 1, int(len(j) * 0.99))], 2),
                "join_ms_mean": round(statistics.mean(j), 2),
                "rejoin_ms_p50": round(statistics.median(sm["rejoin_ms"]), 2),
                "reads_p50": statistics.median(sm["reads"]),
                "reads_max": max(sm["reads"]),
                "bytes_p50": statistics.median(sm["bytes"]),
                "answers_in_several_reads": sum(1 for x in sm["reads"] if x > 1),
                "answers_spread_over_30ms": sum(1 for x in sm["spread_ms"] if x > 30),
            }
        res["ratio_p50"] = round(res["roomd"]["join_ms_p50"] / res["prosody"]["join_ms_p50"], 2)
        res["ratio_p99"] = round(res["roomd"]["join_ms_p99"] / res["prosody"]["join_ms_p99"], 2)
        for ss in sess.values():
            await asyncio.gather(*(s.close() for s in ss))
        await asyncio.sleep(0.5)
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
        if a.rejoin:
            r = await self.run_rejoin(a.rejoin, a.rejoin_rounds)
            self.results.append(r)
            print(json.dumps(r), flush=True)
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
        if not a.sizes and not a.rejoin:
            return
        resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000)) if resource.getrlimit(
            resource.RLIMIT_NOFILE)[0] < 20000 else None
        XH.ensure_apt("prosody", "prosody")
        top = max([int(x) for x in a.sizes.split(",") if x] + [a.rejoin])
        self.p = XH.Prosody(users=[], level="warn", workdir=H.make_workdir())
        with open(self.p.config) as f:
            cfg = f.read()
        # Prosody's own MUC on the same server, the reference for the rejoin phase; and, when asked, Prosody
        # without Nagle's algorithm (a global setting, so before the first host section).
        network = ([] if a.prosody_nagle == "on" else ["nagle = false"]) + (
            ["read_size = %d" % a.prosody_read_size] if a.prosody_read_size else [])
        settings = "network_settings = { %s }\n\n" % "; ".join(network) if network else ""
        cfg = cfg.replace('VirtualHost "localhost"', settings + 'VirtualHost "localhost"', 1)
        cfg += '\nComponent "%s" "muc"\n' % PROSODY_MUC
        with open(self.p.config, "w") as f:
            f.write(cfg)
        self.p.register_bulk(["u%05d" % i for i in range(top)])
        self.p.start()
        self.d = XH.ComponentRoomd(self.p.component_port, self.p.secret)
        self.d.start_attached()
        self.stack = HH.Stack(daemon=self.d, threads=a.responder_threads).start()

    def teardown(self):
        if not self.args.sizes and not self.args.rejoin:
            return
        for f in (lambda: self.stack.stop(check=False), lambda: self.d.stop(), lambda: self.p.cleanup(),
                  lambda: shutil.rmtree(self.d.workdir, ignore_errors=True)):
            try:
                f()
            except Exception as e:  # keep tearing down
                print("teardown: %s" % e, file=sys.stderr)


def summary(results):
    print()
    for r in results:
        if "rejoin" in r:
            print("rejoin in a room of %d with %d messages of history (%d rounds, %.2f s pauses, Prosody nagle %s,"
                  " read_size %d), ms from join sent to subject read:" % (
                      r["rejoin"], r.get("history", 0), r["rounds"], r["pause_s"], r["prosody_nagle"],
                      r["prosody_read_size"]))
            for name in ("roomd", "prosody"):
                x = r[name]
                print("  %-8s p50 %7.2f  p99 %7.2f  mean %7.2f  (whole rejoin p50 %7.2f; %s bytes; answers in several"
                      " reads %d, spread over 30 ms %d)"
                      % (name, x["join_ms_p50"], x["join_ms_p99"], x["join_ms_mean"], x["rejoin_ms_p50"],
                         x["bytes_p50"], x["answers_in_several_reads"], x["answers_spread_over_30ms"]))
            print("  roomd / Prosody's MUC: p50 %.2fx, p99 %.2fx" % (r["ratio_p50"], r["ratio_p99"]))
    print("%-34s %6s %10s %12s %10s %12s %10s %12s" % (
        "path", "room", "joins/s", "join pres/s", "HTTP k/s", "HTTP pres/s", "XMPP k/s", "XMPP pres/s"))
    for r in results:
        if "rejoin" in r:
            continue
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
    ap.add_argument("--rejoin", type=int, default=20, help="occupants of the rejoin rooms (0 skips the phase)")
    ap.add_argument("--rejoin-rounds", type=int, default=60, help="rejoins in each of the two rooms")
    ap.add_argument("--rejoin-history", type=int, default=0,
                    help="messages said in each rejoin room first, which each join then gets as history")
    ap.add_argument("--rejoin-pause", type=float, default=0.0,
                    help="seconds between a leave answered and the next join (0: at once, as a client rejoining)")
    ap.add_argument("--prosody-nagle", choices=("on", "off"), default="on",
                    help="off: Prosody with network_settings = { nagle = false }")
    ap.add_argument("--prosody-read-size", type=int, default=0,
                    help="Prosody's network_settings read_size (0: its default, 8192)")
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
