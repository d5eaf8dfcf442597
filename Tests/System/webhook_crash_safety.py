#!/usr/bin/env python3
"""Webhook delivery under kill -9: every event reaches every endpoint at least once, duplicates keep
their webhook-id, and nothing is invented.

Steps (Python 3 standard library only, loopback only):
 1. start `smsledger emulator`, enqueue distinct SmsReport and SmsUp bodies;
 2. start a receiver that fails a third of the requests (HTTP 500) and checks each signature
    (HMAC-SHA256 over id.timestamp.body, as Standard Webhooks; the official library's own check is
    Tests/Interop/test_webhooks.py);
 3. KILLS times: start `smsledger run` with two endpoints ("all": every event type, "replies": only
    sms.reply), wait a random 0.5-3 s, SIGKILL it;
 4. start it once more, wait until the queues are drained and no delivery is pending, SIGTERM it;
 5. compare: each endpoint received (2xx) exactly the set of event ids of its types in the ledger's
    outbox; the outbox has one receipt event per receipt, one reply event per reply, one settled
    event per final send; every webhook-id always came with the same body; no signature was wrong.

Usage: webhook_crash_safety.py BINARY [--kills N] [--reports N] [--replies N] [--seed N] [--keep]
"""

import argparse
import hashlib
import hmac
import base64
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
from alicom_queues import Emulator, Failure, enqueue_mixture, make_replies, make_reports
from crash_safety import KEY_ID, SECRET, NotifySocket, final_run, start_daemon, write_config

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"crash-safety-webhook-secret-0123").decode()
VISIBILITY_TIMEOUT = 3


def log(message):
    print(f"webhook-crash-safety: {message}", flush=True)


class FlakyReceiver:
    """Answers 500 to about a third of the requests; records every 2xx id per endpoint path."""

    def __init__(self, rng):
        self.lock = threading.Lock()
        self.delivered = {}      # path -> set of ids answered 2xx
        self.bodies = {}         # id -> set of bodies seen (any answer)
        self.bad_signatures = 0
        self.requests = 0
        key = base64.b64decode(WEBHOOK_SECRET[len("whsec_"):])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) != length:
                    return  # the sender died mid-request (kill -9): nothing was delivered, nothing to check
                event_id = self.headers.get("webhook-id", "")
                signed = f"{event_id}.{self.headers.get('webhook-timestamp', '')}.".encode() + body
                expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
                with receiver.lock:
                    receiver.requests += 1
                    valid = expected in self.headers.get("webhook-signature", "").split(" ")
                    if not valid:
                        receiver.bad_signatures += 1
                    receiver.bodies.setdefault(event_id, set()).add(body)
                    fail = not valid or rng.random() < 1 / 3
                    if not fail:
                        receiver.delivered.setdefault(self.path, set()).add(event_id)
                self.send_response(500 if fail else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def add_webhooks(config, port):
    with open(config, "a") as f:
        f.write(f"""
[webhook_delivery]
retry_schedule_seconds = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
poll_interval_ms = 100

[[webhooks]]
name = "all"
url = "http://127.0.0.1:{port}/all"
secret = "{WEBHOOK_SECRET}"
timeout_seconds = 2
max_in_flight = 8
max_per_second = 2000

[[webhooks]]
name = "replies"
url = "http://127.0.0.1:{port}/replies"
secret = "{WEBHOOK_SECRET}"
events = ["sms.reply"]
timeout_seconds = 2
max_in_flight = 4
max_per_second = 2000
""")


def outbox(store):
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
        return db.execute("SELECT seq, type FROM webhook_events").fetchall()


def undelivered(store):
    """Deliveries not yet done, plus events not yet fanned out to each endpoint."""
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            pending = db.execute("SELECT count(*) FROM webhook_deliveries WHERE state != 'delivered'").fetchone()[0]
            behind = db.execute("SELECT count(*) FROM webhook_endpoints p JOIN webhook_events e ON e.seq > p.cursor_seq"
                                ).fetchone()[0]
            return pending + behind
    except sqlite3.Error:
        return -1


def wait_delivered(emulator, store, notify, timeout, alive):
    emulator.wait_drained(timeout, alive=alive)
    deadline = time.monotonic() + timeout
    while (left := undelivered(store)) != 0:
        # Read STATUS= as systemd does: a datagram socket nobody reads fills after 10 messages, and
        # the daemon's next sd_notify then blocks one of its threads (this phase outlasts 10 of them).
        notify.drain()
        if not alive():
            raise Failure("the daemon exited while deliveries were pending")
        if time.monotonic() > deadline:
            raise Failure(f"{left} deliveries still pending after {timeout:.0f} s")
        time.sleep(0.3)


def verify(store, receiver, reports, replies):
    failures = []
    events = outbox(store)
    ids = {t: {f"evt_{seq}" for seq, kind in events if kind == t}
           for t in ("sms.receipt", "sms.send.settled", "sms.reply", "sms.quarantined")}
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        receipts = db.execute("SELECT count(*) FROM receipts").fetchone()[0]
        final_sends = db.execute("SELECT count(*) FROM sends WHERE is_final = 1").fetchone()[0]
        reply_rows = db.execute("SELECT count(*) FROM replies").fetchone()[0]
        dead = db.execute("SELECT count(*) FROM webhook_deliveries WHERE state = 'dead'").fetchone()[0]
    checks = [
        (len(ids["sms.receipt"]) == receipts == len(reports), f"receipt events {len(ids['sms.receipt'])}, "
         f"receipts {receipts}, enqueued {len(reports)}"),
        (len(ids["sms.send.settled"]) == final_sends == len(reports),
         f"settled events {len(ids['sms.send.settled'])}, final sends {final_sends}"),
        (len(ids["sms.reply"]) == reply_rows == len(replies), f"reply events {len(ids['sms.reply'])}, replies {reply_rows}"),
        (dead == 0, f"{dead} dead deliveries"),
        (receiver.bad_signatures == 0, f"{receiver.bad_signatures} requests with a wrong signature"),
    ]
    everything = set().union(*ids.values())
    got_all = receiver.delivered.get("/all", set())
    got_replies = receiver.delivered.get("/replies", set())
    checks += [
        (got_all == everything, f"endpoint all: {len(everything - got_all)} events never delivered, "
         f"{len(got_all - everything)} not in the outbox"),
        (got_replies == ids["sms.reply"], f"endpoint replies: {len(ids['sms.reply'] - got_replies)} missing, "
         f"{len(got_replies - ids['sms.reply'])} unexpected"),
    ]
    changed = [i for i, bodies in receiver.bodies.items() if len(bodies) > 1]
    checks.append((not changed, f"{len(changed)} webhook-ids arrived with different bodies, e.g. {changed[:3]}"))
    failures = [message for ok, message in checks if not ok]
    return failures, len(everything)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("binary")
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--reports", type=int, default=800)
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--log-level", default="warning", help="the daemon's [logging] level, e.g. info")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    log(f"seed {seed} (rerun with --seed {seed})")
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="smsledger-webhook-crash-")
    store = os.path.join(workdir, "ledger.sqlite")
    config = os.path.join(workdir, "smsledger.toml")
    daemon_log = open(os.path.join(workdir, "daemon.log"), "w")
    notify = NotifySocket(os.path.join(workdir, "notify.sock"))
    receiver = FlakyReceiver(random.Random(seed + 1))
    emulator = daemon = None
    try:
        emulator = Emulator.start(args.binary, os.path.join(workdir, "emulator.log"), KEY_ID, SECRET, VISIBILITY_TIMEOUT)
        write_config(config, emulator.base, store, os.path.join(workdir, "alibaba.secret"))
        add_webhooks(config, receiver.port)
        with open(config) as f:
            text = f.read().replace('level = "warning"', f'level = "{args.log_level}"')
        with open(config, "w") as f:
            f.write(text)
        now = int(time.time())
        reports = make_reports(args.reports, rng, now)
        replies = make_replies(args.replies, rng, now)
        enqueue_mixture(emulator, rng, reports, replies, 20)
        log(f"enqueued {len(reports)} reports and {len(replies)} replies; receiver on port {receiver.port}")
        for kill in range(1, args.kills + 1):
            daemon_log.write(f"--- start {kill} (to be killed)\n")
            daemon_log.flush()
            daemon = start_daemon(args.binary, config, daemon_log, notify.path)
            delay = rng.uniform(0.5, 3.0)
            time.sleep(delay)
            if daemon.poll() is not None:
                raise Failure(f"the daemon exited on its own with {daemon.returncode} before kill {kill}")
            os.kill(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=10)
            daemon = None
            log(f"kill -9 #{kill} after {delay:.2f} s: {receiver.requests} requests so far, "
                f"{len(receiver.delivered.get('/all', ()))} events delivered to 'all', {undelivered(store)} undelivered")
        final_run(args.binary, config, daemon_log, notify,
                  lambda alive: wait_delivered(emulator, store, notify, args.timeout, alive))
        failures, events = verify(store, receiver, reports, replies)
        if failures:
            raise Failure("webhook deliveries do not match the outbox:\n  " + "\n  ".join(failures))
        duplicates = receiver.requests - events - len(replies)
        print(f"webhook crash safety: {args.kills} kills, {events} events each delivered to 'all' and "
              f"{len(replies)} to 'replies' at least once, {receiver.requests} requests "
              f"({duplicates} retries or duplicates, same id and body), done in {time.monotonic() - started:.0f} s",
              flush=True)
        return 0
    except Failure as failure:
        print(f"webhook-crash-safety: FAIL: {failure}", file=sys.stderr, flush=True)
        daemon_log.flush()
        with open(daemon_log.name) as text:
            print("--- daemon log (tail)\n" + "".join(text.readlines()[-30:]), file=sys.stderr)
        args.keep = True
        return 1
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        if emulator is not None:
            emulator.stop()
        receiver.stop()
        notify.close()
        daemon_log.close()
        if args.keep:
            print(f"webhook-crash-safety: work directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
