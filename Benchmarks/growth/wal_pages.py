#!/usr/bin/env python3
"""Which b-tree each page in a ledger's WAL belongs to: what a commit writes, by table and index.

    REPLICA_KEEP_WAL=1 Benchmarks/growth/writer_replica.py LEDGER 8000
    Benchmarks/growth/wal_pages.py LEDGER 8000

Reads the page number of every frame in LEDGER-wal.kept (the replica's copy of its WAL), then asks SQLite's dbstat which b-tree each
distinct page is in (one pass over each index; the big tables are skipped and counted by page type),
and prints WAL frames per 10 messages by b-tree: the pages each message costs the writer.
"""
import collections
import sqlite3
import struct
import sys


def main():
    path, messages = sys.argv[1], int(sys.argv[2])
    with open(path + "-wal.kept", "rb") as wal:
        header = wal.read(32)
        page_size = struct.unpack(">I", header[8:12])[0]
        frames = []
        while True:
            frame = wal.read(24 + page_size)
            if len(frame) < 24 + page_size:
                break
            page = struct.unpack(">I", frame[:4])[0]
            kind = frame[24 + (100 if page == 1 else 0)]
            frames.append((page, kind))
    db = sqlite3.connect(path)
    names = {}
    wanted = {page for page, kind in frames if kind in (0x02, 0x0A)}
    for (name,) in db.execute("SELECT name FROM sqlite_schema WHERE type = 'index'").fetchall():
        for (page,) in db.execute("SELECT pageno FROM dbstat WHERE name = ?", (name,)):
            if page in wanted:
                names[page] = name
    counts = collections.Counter()
    for page, kind in frames:
        if kind in (0x05, 0x0D):
            counts["(table pages)"] += 1
        else:
            counts[names.get(page, "(other index / freelist)")] += 1
    for name, count in counts.most_common():
        print("%-32s %6.2f per 10 messages" % (name, count / messages * 10))


if __name__ == "__main__":
    main()
