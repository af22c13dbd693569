#!/usr/bin/env python3
"""The audit table of roomd (its schema and pragmas) with and without the index by (room, id):
what each costs per kick's commit, and what GetAudit {room} costs for a quiet room in a large table.

    python3 Benchmarks/roomd/audit_index.py [ROWS] [ROOMS]

Kicks go one per transaction, as roomd commits unpipelined kicks; the WAL's growth divided by the
commits is the bytes each commit writes. Python's sqlite3 uses the system's SQLite, as roomd does.
"""

import os
import sqlite3
import sys
import tempfile
import time

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
ROOMS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
KICKS = 10_000
SCHEMA = """
CREATE TABLE audit (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, action TEXT NOT NULL, room TEXT NOT NULL,
    nick TEXT NOT NULL, jids TEXT NOT NULL, reason TEXT, actor TEXT, uid INTEGER NOT NULL);
"""
INDEX = "CREATE INDEX audit_by_room ON audit (room, id);"
QUERY = ("SELECT id, time, action, room, nick, jids, reason, actor, uid FROM audit WHERE room = ?"
         " ORDER BY id DESC LIMIT ?")


def open_db(path):
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("page_size = 1024", "locking_mode = EXCLUSIVE", "journal_mode = WAL", "synchronous = NORMAL",
                   "wal_autocheckpoint = 16384"):
        db.execute("PRAGMA " + pragma)
    return db


def row(i, room):
    return (1_700_000_000_000 + i, "kick", "room%d@chat.example.org" % room, "u%d" % i,
            "u%d@example.org/phone" % i, "bench", None, 0)


def run(indexed):
    d = tempfile.mkdtemp(prefix="audit-bench.")
    path = os.path.join(d, "db")
    db = open_db(path)
    db.execute(SCHEMA)
    if indexed:
        db.execute(INDEX)
    insert = "INSERT INTO audit (time, action, room, nick, jids, reason, actor, uid) VALUES (?,?,?,?,?,?,?,?)"
    db.execute("BEGIN")
    # every room but the quiet one gets records; the quiet one's two are the oldest
    db.execute(insert, row(0, 0))
    db.execute(insert, row(1, 0))
    db.executemany(insert, (row(i, 1 + i % (ROOMS - 1)) for i in range(2, ROWS)))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # no checkpoint during the kicks, which would rewind the WAL
    db.execute("PRAGMA wal_autocheckpoint = 0")
    wal = path + "-wal"
    before = os.path.getsize(wal) if os.path.exists(wal) else 0
    started = time.perf_counter()
    for i in range(KICKS):
        db.execute("BEGIN IMMEDIATE")
        db.execute(insert, row(ROWS + i, 1 + i % (ROOMS - 1)))
        db.execute("COMMIT")
    kick_s = time.perf_counter() - started
    wal_per_commit = (os.path.getsize(wal) - before) / KICKS
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        records = db.execute(QUERY, ("room0@chat.example.org", 100)).fetchall()
        timings.append(time.perf_counter() - started)
        assert len(records) == 2
    busy = []
    for _ in range(5):
        started = time.perf_counter()
        db.execute(QUERY, ("room7@chat.example.org", 100)).fetchall()
        busy.append(time.perf_counter() - started)
    plan = " ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN " + QUERY, ("x", 1)))
    db.close()
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)
    print("%-9s WAL bytes/commit %6.0f  commits/s %7.0f  GetAudit{quiet room} median %8.3f ms"
          "  GetAudit{busy room, 100} median %7.3f ms  db %5.1f MiB  plan: %s" % (
              "index" if indexed else "no index", wal_per_commit, KICKS / kick_s,
              sorted(timings)[2] * 1000, sorted(busy)[2] * 1000, size / 1048576, plan))


print("SQLite %s, %d rows in %d rooms, %d single-kick commits" % (sqlite3.sqlite_version, ROWS, ROOMS, KICKS))
run(False)
run(True)
