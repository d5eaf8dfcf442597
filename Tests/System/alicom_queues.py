#!/usr/bin/env python3
"""Alicom queue bodies and the emulator's admin API, for the process-level tests (stdlib only).

As a module: make_reports / make_replies build distinct SmsReport and SmsUp bodies whose fields
the tests can check row by row in the ledger; Emulator starts `smsledger emulator` or talks to a
running one. As a command, for the shell tests:

  alicom_queues.py URL enqueue --reports N --replies N [--biz-base B] [--sequence-base S] [--duplicates D]
      prints one JSON line: {"reports": N, "replies": N, "biz_ids": [first, last], ...}
  alicom_queues.py URL wait-drained [--timeout SECONDS]
      exits 0 once both queues are empty (visible, in flight and delayed), 1 with the depths if not
  alicom_queues.py URL depths
"""

import argparse
import base64
import json
import random
import subprocess
import sys
import time
import urllib.request

ACCOUNT_UID = "1234567890123456"
REPORT_QUEUE = f"Alicom-Queue-{ACCOUNT_UID}-SmsReport"
UP_QUEUE = f"Alicom-Queue-{ACCOUNT_UID}-SmsUp"


class Failure(Exception):
    """A check that did not hold; the message says what was expected and what was found."""


def beijing(epoch_seconds):
    """Alicom bodies carry Beijing wall-clock time, 'yyyy-MM-dd HH:mm:ss'."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch_seconds + 8 * 3600))


def biz_id(base, index):
    return f"{base + index}^0"


def make_reports(count, rng, now, biz_base=900000000000000000, phone_prefix="139"):
    """Distinct receipts (own biz_id and phone each) in the documented mainland field order.

    Returns {biz_id: (json_text, phone, state)}; json_text is what the ledger's raw_body must hold.
    """
    reports = {}
    for index in range(count):
        phone = f"{phone_prefix}{index:08d}"
        sent = now - rng.randint(60, 3600)
        delivered = rng.random() > 0.1
        code = "DELIVERED" if delivered else "MK:0001"
        body = json.dumps({
            "phone_number": phone, "send_time": beijing(sent), "report_time": beijing(sent + 4),
            "success": delivered, "err_code": code, "err_msg": "用户接收成功" if delivered else code,
            "sms_size": "1", "biz_id": biz_id(biz_base, index), "out_id": f"systest-{biz_base + index}",
        }, ensure_ascii=False, separators=(",", ":"))
        reports[biz_id(biz_base, index)] = (body, phone, "delivered" if delivered else "failed")
    return reports


def make_replies(count, rng, now, sequence_base=7000000000, phone_prefix="137"):
    """Distinct replies (own sequence_id and phone each). Returns {sequence_id: (json_text, phone)}."""
    replies = {}
    for index in range(count):
        sequence_id = sequence_base + index
        phone = f"{phone_prefix}{index:08d}"
        body = json.dumps({
            "dest_code": "1234", "send_time": beijing(now - rng.randint(60, 3600)),
            "sequence_id": sequence_id, "phone_number": phone, "content": f"TD {index}",
        }, ensure_ascii=False, separators=(",", ":"))
        replies[str(sequence_id)] = (body, phone)
    return replies


def b64(text):
    """MNS delivers Alicom bodies base64-encoded."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


class Emulator:
    """A running `smsledger emulator`, reached through its unsigned admin API under /_emulator/."""

    def __init__(self, base, process=None):
        self.base = base
        self.process = process

    @classmethod
    def start(cls, binary, log_path, key_id, secret, visibility_timeout):
        process = subprocess.Popen(
            [binary, "emulator", "--listen", "127.0.0.1:0", "--access-key-id", key_id,
             "--access-key-secret", secret, "--account-uid", ACCOUNT_UID,
             "--visibility-timeout", str(visibility_timeout), "--seed", "1"],
            stdout=subprocess.PIPE, stderr=open(log_path, "w"), text=True)
        line = process.stdout.readline()  # blocks until listening, or EOF if it exits
        if "listening on http://" not in line:
            process.kill()
            raise Failure(f"the emulator did not start: {line!r}; see {log_path}")
        return cls(line.strip().split("listening on ", 1)[1], process)

    def admin(self, method, path, payload=None):
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(self.base + "/_emulator/" + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def enqueue(self, queue, bodies):
        for start in range(0, len(bodies), 500):
            chunk = bodies[start:start + 500]
            answer = self.admin("POST", f"queues/{queue}/messages", chunk)
            if answer.get("enqueued") != len(chunk):
                raise Failure(f"enqueue into {queue}: sent {len(chunk)}, the emulator says {answer}")

    def depths(self):
        return {entry["name"]: entry for entry in self.admin("GET", "queues")}

    def pending(self):
        """Messages not yet deleted: visible + in flight (received, visibility not expired) + delayed."""
        return sum(d["visible"] + d["inFlight"] + d["delayed"] for d in self.depths().values())

    def wait_drained(self, timeout, alive=lambda: True):
        deadline = time.monotonic() + timeout
        while self.pending() > 0:
            if not alive():
                raise Failure("the daemon exited while the queues were draining")
            if time.monotonic() > deadline:
                raise Failure(f"queues not drained within {timeout:.0f} s: {list(self.depths().values())}")
            time.sleep(0.2)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def enqueue_mixture(emulator, rng, reports, replies, duplicates):
    """Enqueues every body once, plus `duplicates` exact copies per queue, shuffled."""
    report_bodies = [b64(body) for body, _, _ in reports.values()]
    reply_bodies = [b64(body) for body, _ in replies.values()]
    report_bodies += rng.sample(report_bodies, min(duplicates, len(report_bodies)))
    reply_bodies += rng.sample(reply_bodies, min(duplicates, len(reply_bodies)))
    rng.shuffle(report_bodies)
    rng.shuffle(reply_bodies)
    emulator.enqueue(REPORT_QUEUE, report_bodies)
    emulator.enqueue(UP_QUEUE, reply_bodies)
    return len(report_bodies), len(reply_bodies)


def check_ledger_rows(expect, receipt_rows, reply_rows, reports, replies, sources_allowed):
    """Every distinct enqueued body stored exactly once and as sent, whichever ledger the rows came
    from. receipt_rows: (biz_id, phone, state, source, raw body); reply_rows: (sequence_id, phone,
    raw body); reports/replies as made by make_reports/make_replies. `expect(condition, message)`
    collects the failures."""
    expect(len(receipt_rows) == len(reports),
           f"receipts: {len(receipt_rows)} rows, expected {len(reports)} (one per distinct report)")
    by_biz = {}
    for biz_id, phone, state, source, raw in receipt_rows:
        by_biz.setdefault(biz_id, []).append((phone, state, source, raw))
    doubled_biz = [b for b, found in by_biz.items() if len(found) > 1]
    expect(not doubled_biz, f"receipts: biz_ids stored more than once: {doubled_biz[:5]}")
    missing = sorted(set(reports) - set(by_biz))
    expect(not missing, f"receipts: {len(missing)} enqueued biz_ids missing from the ledger, e.g. {missing[:5]}")
    unknown = sorted(set(by_biz) - set(reports))
    expect(not unknown, f"receipts: {len(unknown)} biz_ids never enqueued, e.g. {unknown[:5]}")
    wrong = [b for b, found in by_biz.items() if b in reports and
             (found[0][0], found[0][1], found[0][3]) != (reports[b][1], reports[b][2], reports[b][0])]
    expect(not wrong, f"receipts: {len(wrong)} rows differ from the enqueued body (phone, state, raw body), "
                      f"e.g. {wrong[:3]}")
    sources = {found[0][2] for found in by_biz.values()}
    expect(sources_allowed(sources), f"receipts: unexpected sources {sources}")

    expect(len(reply_rows) == len(replies),
           f"replies: {len(reply_rows)} rows, expected {len(replies)} (one per distinct reply)")
    by_seq = {}
    for sequence_id, phone, raw in reply_rows:
        by_seq.setdefault(sequence_id, []).append((phone, raw))
    doubled_seq = [s for s, found in by_seq.items() if len(found) > 1]
    expect(not doubled_seq, f"replies: sequence ids stored more than once: {doubled_seq[:5]}")
    missing = sorted(set(replies) - set(by_seq))
    expect(not missing, f"replies: {len(missing)} enqueued sequence ids missing, e.g. {missing[:5]}")
    wrong = [q for q, found in by_seq.items() if q in replies and tuple(found[0]) != (replies[q][1], replies[q][0])]
    expect(not wrong, f"replies: {len(wrong)} rows differ from the enqueued body, e.g. {wrong[:3]}")


def check_queues_empty(expect, emulator):
    for name, depth in emulator.depths().items():
        expect(depth["visible"] + depth["inFlight"] + depth["delayed"] == 0, f"queue {name} not empty: {depth}")


def main():
    parser = argparse.ArgumentParser(description="Seed and watch the emulator's queues.")
    parser.add_argument("url", help="the emulator's base URL, http://127.0.0.1:PORT")
    commands = parser.add_subparsers(dest="command", required=True)
    enqueue = commands.add_parser("enqueue")
    enqueue.add_argument("--reports", type=int, default=0)
    enqueue.add_argument("--replies", type=int, default=0)
    enqueue.add_argument("--biz-base", type=int, default=910000000000000000)
    enqueue.add_argument("--sequence-base", type=int, default=7100000000)
    enqueue.add_argument("--duplicates", type=int, default=0)
    wait = commands.add_parser("wait-drained")
    wait.add_argument("--timeout", type=float, default=30)
    commands.add_parser("depths")
    args = parser.parse_args()

    emulator = Emulator(args.url.rstrip("/"))
    try:
        if args.command == "enqueue":
            rng = random.Random(args.biz_base)
            now = int(time.time())
            reports = make_reports(args.reports, rng, now, biz_base=args.biz_base)
            replies = make_replies(args.replies, rng, now, sequence_base=args.sequence_base)
            sent = enqueue_mixture(emulator, rng, reports, replies, args.duplicates)
            print(json.dumps({"reports": len(reports), "replies": len(replies), "messages": sum(sent),
                              "biz_ids": [biz_id(args.biz_base, 0), biz_id(args.biz_base, args.reports - 1)]}))
        elif args.command == "wait-drained":
            emulator.wait_drained(args.timeout)
        else:
            print(json.dumps(list(emulator.depths().values())))
    except Failure as failure:
        print(f"alicom_queues.py: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
