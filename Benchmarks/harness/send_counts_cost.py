"""What schema 5's per-state count triggers cost the writer, in SQLite alone.

  python3 Benchmarks/harness/send_counts_cost.py [rows=200000] [repeats=3]

Builds the ledger schema from Sources/LedgerStore/Schema/LedgerSchema.swift twice, with and without
the schema 5 step, then times the writer's two send statements row by row in transactions of 16
(like one MNS batch): a new send (the insert trigger) and a receipt moving a send's state (the update
trigger). synchronous=OFF, so the figure is CPU, not fsync: an upper bound on the triggers' share.
Then the same in SQLite alone, without Python's per-statement overhead: one `INSERT … SELECT` of
`rows` sends and one `UPDATE` moving nine in ten of them.
"""
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time

SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "LedgerStore", "Schema", "LedgerSchema.swift")


def migrations():
    text = open(SCHEMA, encoding="utf-8").read()
    steps = dict(re.findall(r'private static let (version\d+) = """\n(.*?)"""', text, re.S))
    return [steps["version1"], steps["version2"], steps["version3"]], steps["version5"]


def run(rows, with_counts):
    base, counts = migrations()
    path = os.path.join(tempfile.mkdtemp(prefix="smsledger-counts-"), "ledger.sqlite")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    for step in base + ([counts] if with_counts else []):
        db.executescript(step)
    insert = ("INSERT INTO sends (provider, biz_id, phone_number, sent_at, state, is_final, tracked) "
              "VALUES ('alibaba', ?, ?, ?, 'pending', 0, 1)")
    move = "UPDATE sends SET state = ?, is_final = 1 WHERE id = ?"
    started = time.perf_counter()
    for start in range(0, rows, 16):
        db.execute("BEGIN")
        for i in range(start, min(start + 16, rows)):
            db.execute(insert, ("biz%d" % i, "138%08d" % i, 1_700_000_000_000 + i))
        db.execute("COMMIT")
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, rows, 16):
        db.execute("BEGIN")
        for i in range(start, min(start + 16, rows)):
            db.execute(move, ("delivered" if i % 10 else "failed", i + 1))
        db.execute("COMMIT")
    moved = time.perf_counter() - started
    check = dict(db.execute("SELECT state, count FROM send_state_counts").fetchall()) if with_counts else None
    db.close()
    return inserted, moved, check


def bulk(rows, with_counts):
    base, counts = migrations()
    db = sqlite3.connect(os.path.join(tempfile.mkdtemp(prefix="smsledger-counts-"), "ledger.sqlite"),
                         isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    for step in base + ([counts] if with_counts else []):
        db.executescript(step)
    started = time.perf_counter()
    db.execute("BEGIN")
    db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
               "INSERT INTO sends (provider, biz_id, phone_number, sent_at, state) "
               "SELECT 'alibaba', 'b' || i, '138' || i, 1700000000000 + i, 'pending' FROM n", (rows,))
    db.execute("COMMIT")
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    db.execute("BEGIN")
    db.execute("UPDATE sends SET state = 'delivered' WHERE id % 10 != 0")
    db.execute("COMMIT")
    moved = time.perf_counter() - started
    db.close()
    return inserted / rows * 1e6, moved / (rows - rows // 10) * 1e6


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    figures = {False: [], True: []}
    for _ in range(repeats):
        for with_counts in (False, True):
            inserted, moved, check = run(rows, with_counts)
            figures[with_counts].append((inserted, moved))
            if check is not None:
                assert check == {"pending": 0, "delivered": rows - rows // 10, "failed": rows // 10}, check
    for label, index in (("insert a send", 0), ("move a send", 1)):
        off = statistics.median(f[index] for f in figures[False])
        on = statistics.median(f[index] for f in figures[True])
        print("%-14s without counts %.2f µs/row, with %.2f µs/row: +%.2f µs (+%.0f %%)"
              % (label, off / rows * 1e6, on / rows * 1e6, (on - off) / rows * 1e6, (on / off - 1) * 100))
    for with_counts in (False, True):
        inserted, moved = bulk(rows, with_counts)
        print("SQLite alone, %s counts: insert %.2f µs/row, move %.2f µs/row"
              % ("with" if with_counts else "without", inserted, moved))


if __name__ == "__main__":
    main()
