#!/usr/bin/env python3
"""Times `smsledger stats` on a ledger of a million sends.

    Benchmarks/stats/bench_stats.py SMSLEDGER_BINARY [N] [DAYS]

Creates a ledger in a temporary directory with `smsledger track` (so the schema and its migrations
are the binary's own), then bulk-fills it with sqlite3: N sends (default 1,000,000) spread evenly
over the last DAYS days (default 7, so `--since 7d` covers all of them) in send-time order, as the
daemon would write them, and one receipt per send that got a report. The mix is realistic for a
notification sender: 95 % delivered, 3 % failed over eight error codes, 0.5 % expired, 0.5 % final
unknown, 1 % still pending; send-to-final times are log-normal around 4 s with a long tail.

Each command runs three times on a warm page cache; the median wall time and the peak RSS of the
child are printed. The figures go into Benchmarks/README.md ("Statistics").
"""
import math
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

ERRORS = [("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"), ("MK:0001", "空号"), ("MK:0005", "关机"),
          ("IC:0055", "停机"), ("DB:0141", "黑名单"), ("MN:0017", "用户拒收"),
          ("SGIP:-1", "运营商网关错误"), ("CB:0013", "呼叫受限")]
TEMPLATES = ["SMS_100001", "SMS_100002", "SMS_100003", "SMS_100004", "SMS_100005"]


def fill(path, n, days):
    rng = random.Random(17)
    now = int(time.time() * 1000)
    start = now - days * 86_400_000
    step = days * 86_400_000 / n
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    sends, receipts = [], []

    def flush():
        db.executemany("INSERT INTO sends (provider, biz_id, phone_number, sent_at, template_code, sign_name, "
                       "tracked, state, is_final, provider_code, last_report_at) VALUES (?,?,?,?,?,?,1,?,?,?,?)", sends)
        db.executemany("INSERT INTO receipts (dedupe_key, provider, source, biz_id, phone_number, state, is_final, "
                       "provider_code, provider_text, sent_at, reported_at, raw_body, received_at) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", receipts)
        sends.clear()
        receipts.clear()

    for i in range(n):
        sent = int(start + i * step)
        biz = f"{900000000 + i}^0"
        phone = f"138{rng.randrange(10**8):08d}"
        template = TEMPLATES[min(int(rng.expovariate(1.2)), len(TEMPLATES) - 1)]
        roll = rng.random()
        if roll < 0.95:
            state, final, code, text = "delivered", 1, "DELIVERED", "用户接收成功"
        elif roll < 0.98:
            code, text = ERRORS[min(int(rng.expovariate(0.7)), len(ERRORS) - 1)]
            state, final = "failed", 1
        elif roll < 0.985:
            state, final, code, text = "expired", 1, "EXPIRED", "短信已过期"
        elif roll < 0.99:
            state, final, code, text = "unknown", 1, "UNKNOWN", None
        else:
            state, final, code, text = "pending", 0, None, None
        reported = sent + int(min(math.exp(rng.gauss(8.3, 0.9)), 72 * 3_600_000)) if final else None
        if reported is not None and reported > now:
            state, final, code, text, reported = "pending", 0, None, None, None
        sends.append(("alibaba", biz, phone, sent, template, "Ledger", state, final, code, reported))
        if final:
            body = f'{{"biz_id":"{biz}","phone_number":"{phone}","err_code":"{code}","success":{str(state == "delivered").lower()}}}'
            receipts.append((f"alibaba|{biz}|{phone}|{code}", "alibaba", "smsReport", biz, phone, state, final, code,
                             text, sent, reported, body.encode(), reported + 500))
        if len(sends) == 50_000:
            flush()
    flush()
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def timed(args):
    walls, rss = [], 0
    for _ in range(3):
        began = time.perf_counter()
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        walls.append(time.perf_counter() - began)
        rss = max(rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return sorted(walls)[1], rss, out


def main():
    binary = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    days = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    directory = tempfile.mkdtemp(prefix="smsledger-stats-bench-")
    try:
        path = os.path.join(directory, "ledger.sqlite")
        subprocess.run([binary, "track", "--store", path, "--biz-id", "seed", "--phone", "13800000000",
                        "--sent-at", "2020-01-01T00:00:00Z"], check=True, capture_output=True)
        began = time.perf_counter()
        fill(path, n, days)
        size = os.path.getsize(path) / 2**20
        print(f"filled {n:,} sends over {days} days in {time.perf_counter() - began:.0f} s; ledger {size:.0f} MiB")
        for extra in (["--since", "7d"], ["--since", "7d", "--by", "template"], ["--since", "7d", "--by", "day"],
                      ["--since", "7d", "--by", "error"], ["--since", "1d"], ["--since", "1h"]):
            wall, rss, out = timed([binary, "stats", "--store", path] + extra)
            print(f"stats {' '.join(extra):<26} {wall:7.2f} s  (peak RSS of any run so far {rss / 1024:.0f} MiB)")
        print(out)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
