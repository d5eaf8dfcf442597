#!/usr/bin/env python3
"""Bulk loader: fills a ledger with realistic rows fast, without the emulator or the daemon.

    Benchmarks/growth/prefill.py SMSLEDGER_BINARY LEDGER TOTAL [FROM] [DAYS]

Lays out TOTAL messages (default layout: 90 % receipts of their own sends, 10 % replies, as the
end-to-end benchmark's mix) evenly over the DAYS days before now (default 180, the default
retention), and writes messages FROM..TOTAL of that layout (FROM defaults to what the ledger already
holds), so a ledger can be grown in steps (0 -> 1M -> 5M -> 10M) and measured at each. A new ledger is
created with the binary's own `track` (its schema and migrations).

The rows are shaped like the daemon's: biz ids that grow with time ("7…^0", below the emulator's
"8…^0", so what a later drain writes lands after them, as in production), random mainland phone
numbers, the real dedupe-key formats (receipt: provider|biz|phone|state|code|reported s; reply:
phone|dest|sequence|sent s), a ~250-byte raw body, 95 % delivered / 4 % failed / 1 % pending.
Loading runs with a 2 GiB page cache, synchronous=OFF and a rollback journal, in 100,000-row
transactions, then puts the file back in WAL mode. Here, on 2 shared cores: 1M in 2 minutes, 10M in
about 30 (the random phone keys slow the later steps).

Each step spreads its messages over DAYS by its own TOTAL, so a ledger grown in steps has the later
steps' rows interleaved in time with the earlier ones; what a later drain or replica writes lands
after all of them either way, which is what the growth figures need.
"""
import os
import random
import sqlite3
import subprocess
import sys
import time

CHUNK = 100_000


def create(binary, path):
    subprocess.run([binary, "track", "--store", path, "--biz-id", "0^0", "--phone", "13800000000",
                    "--sent-at", "2020-01-01T00:00:00Z"], check=True, capture_output=True)


def count(db):
    return db.execute("SELECT (SELECT count(*) FROM receipts) + (SELECT count(*) FROM replies)").fetchone()[0]


def fill(path, total, first, days):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -2000000")
    now = int(time.time() * 1000) - 3_600_000
    start = now - days * 86_400_000
    step = days * 86_400_000 / max(total, 1)
    rng = random.Random(first * 7919 + 1)
    sends, receipts, replies = [], [], []

    def flush():
        db.execute("BEGIN")
        db.executemany("INSERT INTO sends (provider, biz_id, phone_number, out_id, sent_at, template_code, sign_name, "
                       "tracked, state, is_final, provider_code, last_report_at) VALUES (?,?,?,?,?,?,?,1,?,?,?,?)", sends)
        db.executemany("INSERT INTO receipts (dedupe_key, provider, source, biz_id, out_id, phone_number, state, "
                       "is_final, retryable, provider_code, provider_text, sent_at, reported_at, sms_size, raw_body, "
                       "mns_message_id, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?,?)", receipts)
        db.executemany("INSERT INTO replies (dedupe_key, phone_number, content, sent_at, dest_code, sequence_id, "
                       "sign_name, raw_body, mns_message_id, received_at) VALUES (?,?,?,?,?,?,?,?,?,?)", replies)
        db.execute("COMMIT")
        sends.clear(), receipts.clear(), replies.clear()

    for i in range(first, total):
        at = int(start + i * step)
        phone = "138%08d" % rng.randrange(10**8)
        if i % 10 == 9:
            body = '{"dest_code":"1234","send_time":"-","sequence_id":%d,"phone_number":"%s","content":"退订"}' % (i, phone)
            replies.append(("%s|1234|%d|%d" % (phone, i, at // 1000), phone, "退订", at, "1234", str(i), None,
                            body.encode(), "M%016X" % i, at + 900))
        else:
            biz = "%d^0" % (700_000_000_000_000_000 + i)
            roll = rng.random()
            state, final, code = (("delivered", 1, "DELIVERED") if roll < 0.95 else
                                  ("failed", 1, "MK:0001") if roll < 0.99 else ("pending", 0, "ACCEPTED"))
            reported = at + 4_000
            sends.append(("alibaba", biz, phone, "order-%d" % i, at, "SMS_100001", "Ledger", state, final, code,
                          reported))
            body = ('{"phone_number":"%s","send_time":"-","report_time":"-","success":%s,"err_code":"%s",'
                    '"err_msg":"用户接收成功","sms_size":"1","biz_id":"%s","out_id":"order-%d"}'
                    % (phone, "true" if state == "delivered" else "false", code, biz, i))
            receipts.append(("alibaba|%s|%s|%s|%s|%d" % (biz, phone, state, code, reported // 1000), "alibaba",
                             "sms_report", biz, "order-%d" % i, phone, state, final, None, code, "用户接收成功", at,
                             reported, body.encode(), "M%016X" % i, reported + 500))
        if len(sends) + len(replies) >= CHUNK:
            flush()
    flush()
    db.execute("PRAGMA journal_mode = WAL")
    db.close()


def main():
    binary, path, total = os.path.abspath(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    days = int(sys.argv[5]) if len(sys.argv) > 5 else 180
    if not os.path.exists(path):
        create(binary, path)
    db = sqlite3.connect(path)
    held = count(db)
    db.close()
    first = int(sys.argv[4]) if len(sys.argv) > 4 else held
    began = time.perf_counter()
    fill(path, total, first, days)
    print("filled messages %d..%d in %.0f s; ledger %.0f MiB"
          % (first, total, time.perf_counter() - began, os.path.getsize(path) / 2**20))


if __name__ == "__main__":
    main()
