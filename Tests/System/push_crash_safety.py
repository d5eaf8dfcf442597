#!/usr/bin/env python3
"""Crash safety of Alibaba's HTTP push channel: kill -9 the daemon while the emulator pushes.

What must hold (issue: "everything answered with code 0 is in the ledger; everything not answered is
pushed again and stored once"): the emulator plays the SMS platform's pusher, POSTing JSON arrays of
SmsReport and SmsUp items to the daemon's push paths and pushing an array again (after a short retry
delay here, minutes in production) unless it was answered 200 with code 0. The daemon is SIGKILLed at
random moments, so pushes are cut off before, during and after their commit. Some of the same
receipts and replies also come through the MNS queues (a customer migrating between channels), and
the emulator pushes a share of accepted items a second time (Alibaba's pushes are not idempotent).

At the end: the push outboxes and the queues are empty, no item was abandoned, and the ledger holds
every distinct receipt and reply exactly once, with its bytes as pushed or queued.

Usage: push_crash_safety.py BINARY [--kills N] [--reports N] [--replies N] [--seed N] [--keep]
"""

import argparse
import os
import random
import signal
import socket
import sqlite3
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
from alicom_queues import ACCOUNT_UID, REPORT_QUEUE, UP_QUEUE, Emulator, Failure, b64, make_replies, make_reports
from crash_safety import (KEY_ID, SECRET, NotifySocket, clean_up, final_run, report_failure, start_daemon,
                          stored_counts)

TOKEN = "push-crash-safety-0123456789abcdef"


def log(message):
    print(f"push-crash-safety: {message}", flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(path, emulator_base, http_port, store, secret_file):
    with open(secret_file, "w") as secret:
        secret.write(SECRET)
    os.chmod(secret_file, 0o600)
    with open(path, "w") as config:
        config.write(f"""[alibaba]
access_key_id = "{KEY_ID}"
access_key_secret_file = "{secret_file}"
dybaseapi_endpoint = "{emulator_base}"
dysmsapi_endpoint = "{emulator_base}"
mns_endpoint = "{emulator_base}"
request_timeout_seconds = 5

[queues]
account_uid = "{ACCOUNT_UID}"

[polling]
wait_seconds = 1
batch_size = 16
pollers_per_queue = 2
max_backoff_seconds = 1

[store]
path = "{store}"

[compensation]
enabled = false

[http]
listen = "127.0.0.1:{http_port}"

[alibaba_push]
enabled = true
token_env = "PUSH_TOKEN"

[logging]
level = "warning"
format = "text"
""")


def push_state(emulator):
    state = emulator.admin("GET", "push")
    return state["counters"]


def verify(store, reports, replies, emulator):
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        expect(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "PRAGMA integrity_check is not ok")
        rows = db.execute("SELECT biz_id, phone_number, state, source, CAST(raw_body AS TEXT) FROM receipts").fetchall()
        by_biz = {}
        for biz_id, phone, state, source, raw in rows:
            by_biz.setdefault(biz_id, []).append((phone, state, source, raw))
        expect(len(rows) == len(reports), f"receipts: {len(rows)} rows, expected {len(reports)}")
        doubled = [b for b, found in by_biz.items() if len(found) > 1]
        expect(not doubled, f"receipts stored more than once: {doubled[:5]}")
        missing = sorted(set(reports) - set(by_biz))
        expect(not missing, f"receipts: {len(missing)} pushed biz_ids missing, e.g. {missing[:5]}")
        wrong = [b for b, found in by_biz.items() if b in reports and
                 (found[0][0], found[0][1], found[0][3]) != (reports[b][1], reports[b][2], reports[b][0])]
        expect(not wrong, f"receipts: {len(wrong)} rows differ from the pushed item, e.g. {wrong[:3]}")
        sources = {found[0][2] for found in by_biz.values()}
        expect(sources <= {"sms_report", "sms_report_push"}, f"receipts: unexpected sources {sources}")
        reply_rows = db.execute("SELECT sequence_id, phone_number FROM replies").fetchall()
        expect(len(reply_rows) == len(replies), f"replies: {len(reply_rows)} rows, expected {len(replies)}")
        expect({str(s) for s, _ in reply_rows} == set(replies), "replies: the stored sequence ids differ from the pushed ones")
        quarantined = db.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        expect(quarantined == 0, f"quarantine holds {quarantined} entries, expected none")
    counters = push_state(emulator)
    expect(counters["pending"] == 0, f"the emulator still has {counters['pending']} items to push")
    expect(counters["itemsAbandoned"] == 0, f"the emulator gave up on {counters['itemsAbandoned']} items")
    expect(emulator.pending() == 0, f"queues not empty: {list(emulator.depths().values())}")
    return failures, counters, sources


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("binary")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--reports", type=int, default=6000)
    parser.add_argument("--replies", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--drain-timeout", type=float, default=90)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    log(f"seed {seed} (rerun with --seed {seed})")
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="smsledger-push-crash-")
    store = os.path.join(workdir, "ledger.sqlite")
    config = os.path.join(workdir, "smsledger.toml")
    daemon_log = open(os.path.join(workdir, "daemon.log"), "w")
    emulator = daemon = None
    notify = NotifySocket(os.path.join(workdir, "notify.sock"))
    os.environ["PUSH_TOKEN"] = TOKEN
    try:
        emulator = Emulator.start(args.binary, os.path.join(workdir, "emulator.log"), KEY_ID, SECRET, 3)
        http_port = free_port()
        write_config(config, emulator.base, http_port, store, os.path.join(workdir, "alibaba.secret"))
        base = f"http://127.0.0.1:{http_port}/alibaba/push/{TOKEN}"
        # A daemon that is down refuses the connection; the platform tries again a second later here.
        emulator.admin("PUT", "push", {
            "smsReportURL": base + "/SmsReport", "smsUpURL": base + "/SmsUp", "batchSize": 40,
            "flushIntervalMillis": 30, "concurrency": 1, "timeoutMillis": 3000, "retryDelayMillis": 1000,
            "maxAttempts": 1000, "duplicateShare": 0.02})
        now = int(time.time())
        reports = make_reports(args.reports, rng, now)
        replies = make_replies(args.replies, rng, now)
        report_items = [body for body, _, _ in reports.values()]
        reply_items = [body for body, _ in replies.values()]
        # The platform pushes as receipts happen: the items are fed in over about as long as the kills
        # take, so that pushes are in flight, half committed or unanswered when the daemon dies.
        chunks = max(1, int(args.kills * 0.9 / 0.1))

        def feed():
            for index in range(chunks):
                for kind, items in (("SmsReport", report_items), ("SmsUp", reply_items)):
                    part = items[index * len(items) // chunks:(index + 1) * len(items) // chunks]
                    if part:
                        emulator.admin("POST", f"push/{kind}/items", part)
                time.sleep(0.1)

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        # The same news through the queues too, as while a customer switches channels.
        emulator.enqueue(REPORT_QUEUE, [b64(body) for body in rng.sample(report_items, len(report_items) // 10)])
        emulator.enqueue(UP_QUEUE, [b64(body) for body in rng.sample(reply_items, len(reply_items) // 10)])
        log(f"{len(report_items)} receipts and {len(reply_items)} replies to push (a tenth of each also queued)")

        for kill in range(1, args.kills + 1):
            daemon_log.write(f"--- start {kill} (to be killed)\n")
            daemon_log.flush()
            daemon = start_daemon(args.binary, config, daemon_log, notify.path)
            delay = rng.uniform(0.3, 1.5)
            time.sleep(delay)
            if daemon.poll() is not None:
                raise Failure(f"the daemon exited on its own with {daemon.returncode}; see {daemon_log.name}")
            os.kill(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=10)
            daemon = None
            time.sleep(rng.uniform(0, 0.4))  # down for a moment: pushes meanwhile are refused
            receipts, stored_replies = stored_counts(store)
            counters = push_state(emulator)
            log(f"kill -9 #{kill} after {delay:.2f} s: ledger has {receipts} receipts, {stored_replies} replies; "
                f"{counters['pending']} items still to push, {counters['failedRequests']} pushes failed so far")

        feeder.join()

        def drained(alive):
            deadline = time.monotonic() + args.drain_timeout
            while push_state(emulator)["pending"] > 0 or emulator.pending() > 0:
                if not alive():
                    raise Failure("the daemon exited while the pushes were draining")
                if time.monotonic() > deadline:
                    raise Failure(f"not drained within {args.drain_timeout:.0f} s: {push_state(emulator)}")
                time.sleep(0.2)

        final_run(args.binary, config, daemon_log, notify, drained)
        failures, counters, sources = verify(store, reports, replies, emulator)
        if failures:
            raise Failure("the ledger does not match what was pushed:\n  " + "\n  ".join(failures))
        if counters["failedRequests"] == 0:
            raise Failure("no push ever failed: the kills did not hit a push, so this run proved little")
        log(f"done in {time.monotonic() - started:.0f} s")
        print(f"push crash safety: {args.kills} kills, {counters['requests']} pushes ({counters['failedRequests']} failed "
              f"and pushed again), {len(reports)} receipts + {len(replies)} replies stored exactly once "
              f"(sources {sorted(sources)}), nothing abandoned, quarantine empty", flush=True)
        return 0
    except Failure as failure:
        report_failure("push-crash-safety", failure, daemon_log)
        args.keep = True
        return 1
    finally:
        clean_up("push-crash-safety", daemon, emulator, notify, daemon_log, workdir, args.keep)


if __name__ == "__main__":
    sys.exit(main())
