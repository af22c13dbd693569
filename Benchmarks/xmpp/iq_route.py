"""Round trip of an IQ routed through a room to another occupant (XEP-0045 §17.4): Romeo pings room/nurse and
the Nurse's client answers, against roomd (the component) and against Prosody 0.12's own MUC, on one
Prosody, with the same two slixmpp clients, in one run; and Romeo's self-ping (XEP-0410), which the room
answers itself, for reference. Prints the median and p90 of N sequential round trips (two rounds: the first warms up, the second is
reported).

Run from the repository root, with a built roomd:
    MUCKICK_BIN_DIR=$(swift build --show-bin-path) python3 Benchmarks/xmpp/iq_route.py
Environment: N (round trips a round, 300), EXTRA (a line added to Prosody's global configuration, e.g.
'network_settings = { nagle = false }').
"""
import os, statistics, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "integration"))
import xmpp_helpers as XH
P = "muc.localhost"
p = XH.Prosody()
if os.environ.get("EXTRA"):
    txt = open(p.config).read().replace("VirtualHost \"localhost\"", os.environ["EXTRA"] + "\nVirtualHost \"localhost\"")
    open(p.config, "w").write(txt)
with open(p.config, "a") as f:
    f.write('\nComponent "%s" "muc"\n    muc_room_locking = false\n    muc_room_default_history_length = 0\n' % P)
p.start()
d = XH.ComponentRoomd(p.component_port, p.secret)
d.start_attached()
cs = XH.Clients(p.c2s_port)
try:
    r = cs.connect("romeo"); n = cs.connect("nurse")
    n.loop.call(n.x.register_plugin, "xep_0199")
    rooms = {"roomd": "bench@" + XH.MUC, "prosody": "bench@" + P}
    for room in rooms.values():
        r.join(room, "romeo")
        res = r.iq(room, "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>")
        n.join(room, "nurse")
    N = int(os.environ.get("N", "300"))
    out = {}
    for rnd in range(2):
        for side, room in rooms.items():
            for target in ("nurse", "romeo"):
                ts = []
                for i in range(N):
                    t0 = time.perf_counter()
                    res = r.iq(room + "/" + target, "<ping xmlns='urn:xmpp:ping'/>", "get")
                    ts.append((time.perf_counter() - t0) * 1000)
                    assert res.get("type") == "result", XH.show(res)
                out[(side, target)] = ts
    for (side, target), ts in sorted(out.items()):
        ts.sort()
        print("%-8s ping to %-6s n=%d median %.2f ms  p90 %.2f ms" % (side, target, len(ts), statistics.median(ts), ts[int(len(ts)*0.9)]))
finally:
    cs.close(); d.stop(); p.cleanup()
