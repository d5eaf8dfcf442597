#!/usr/bin/env python3
"""The ledger writer's statements, replayed against a ledger of a given size.

    Benchmarks/growth/writer_replica.py LEDGER [MESSAGES] [PER_TRANSACTION]

Writes MESSAGES new messages (default 40,000: 90 % receipts of new sends, 10 % replies, the drain's
mix) with the statements `BatchWriter` runs (insert the receipt, insert its send ON CONFLICT DO
NOTHING; insert the reply), PER_TRANSACTION (default 80, what the daemon's group commit held per
transaction in the fifth round) per transaction, with the daemon's pragmas (WAL, synchronous=FULL,
8 MiB cache). Automatic checkpoints are off while it times the commits (the daemon checkpoints on
another thread); the checkpoint of what they wrote is timed after. Prints messages/s, WAL pages
written per transaction (what each commit writes and fsyncs, and the checkpoint copies again), and
checkpoint seconds per 10,000 messages. Compare sizes within one run, on one machine.

With REPLICA_KEEP_WAL=1 a copy of the WAL is kept (LEDGER-wal.kept) for `wal_pages.py`, which says which
table or index each written page belongs to. The new rows never conflict; the ledger is left with them (run it on a copy to keep the original).
"""
import os
import random
import shutil
import sqlite3
import sys
import time


def main():
    path = sys.argv[1]
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 40_000
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 80
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA cache_size = -8192")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = db.execute("PRAGMA page_size").fetchone()[0]
    rows = db.execute("SELECT (SELECT count(*) FROM receipts) + (SELECT count(*) FROM replies)").fetchone()[0]
    base = db.execute("SELECT coalesce(max(id), 0) FROM receipts").fetchone()[0] + 10**6
    rng = random.Random(rows + 3)
    now = int(time.time() * 1000)
    wal = path + "-wal"
    began = time.perf_counter()
    for first in range(0, messages, per):
        db.execute("BEGIN IMMEDIATE")
        for i in range(first, min(first + per, messages)):
            phone = "138%08d" % rng.randrange(10**8)
            at = now + i
            if i % 10 == 9:
                db.execute("INSERT INTO replies (dedupe_key, phone_number, content, sent_at, dest_code, sequence_id, "
                           "sign_name, raw_body, mns_message_id, received_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
                           "ON CONFLICT (dedupe_key) DO NOTHING",
                           ("%s|1234|%d|%d" % (phone, base + i, at // 1000), phone, "退订", at, "1234", str(base + i),
                            None, b'{"content":"x"}' * 8, "N%016X" % i, at))
                continue
            biz = "%d^0" % (800_000_000_000_000_000 + base + i)
            body = ('{"phone_number":"%s","send_time":"-","report_time":"-","success":true,"err_code":"DELIVERED",'
                    '"err_msg":"用户接收成功","sms_size":"1","biz_id":"%s","out_id":"seed-%d"}' % (phone, biz, i)).encode()
            db.execute("INSERT INTO receipts (dedupe_key, provider, source, biz_id, out_id, phone_number, state, "
                       "is_final, retryable, provider_code, provider_text, sent_at, reported_at, sms_size, raw_body, "
                       "mns_message_id, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                       "ON CONFLICT (dedupe_key) DO NOTHING",
                       ("alibaba|%s|%s|delivered|DELIVERED|%d" % (biz, phone, at // 1000), "alibaba", "sms_report",
                        biz, "seed-%d" % (base + i), phone, "delivered", 1, None, "DELIVERED", "用户接收成功", at - 4000, at, 1,
                        body, "N%016X" % i, at))
            db.execute("INSERT INTO sends (provider, biz_id, phone_number, out_id, sent_at, tracked, state, is_final, "
                       "retryable, provider_code, last_report_at) VALUES (?,?,?,?,?,0,?,?,?,?,?) "
                       "ON CONFLICT (provider, biz_id, phone_number) DO NOTHING",
                       ("alibaba", biz, phone, "seed-%d" % (base + i), at - 4000, "delivered", 1, None, "DELIVERED", at))
        db.execute("COMMIT")
    seconds = time.perf_counter() - began
    transactions = (messages + per - 1) // per
    frames = max(0, os.path.getsize(wal) - 32) / (page + 24) if os.path.exists(wal) else 0
    began = time.perf_counter()
    if os.environ.get("REPLICA_KEEP_WAL"):  # for wal_pages.py: a copy of the frames, before they go
        shutil.copyfile(wal, wal + ".kept")
        db.close()
        print("rows %d: %.0f msg/s, %.1f WAL pages per transaction (WAL kept)"
              % (rows, messages / seconds, frames / transactions))
        return
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    checkpoint = time.perf_counter() - began
    db.close()
    print("rows %d: %.0f msg/s, %.1f WAL pages per transaction, checkpoint %.2f s per 10k messages"
          % (rows, messages / seconds, frames / transactions, checkpoint / messages * 10_000))


if __name__ == "__main__":
    main()
