"""The Alibaba HTTP batch push phase: items pushed per second into the ledger, and the answer latency
of 100-item arrays at half that rate.

A fresh daemon with the MNS phase's production settings (synchronous=FULL, the same pollers, parked in
long polls on the empty emulator queues) and `[alibaba_push]` enabled. Alibaba's platform pushes JSON
arrays and treats `{"code":0}` as "delivered"; the daemon answers it only after the array's items are
committed (in the group commit it shares with the pollers), so an answered array is a stored array.

(a) Throughput: `connections` threads, each with its own HTTP/1.1 keep-alive connection, POST the
    pre-built arrays (mainland SmsReport receipts, plus a BENCH_SMSUP_SHARE share of SmsUp arrays to the
    SmsUp path) until every item is answered with code 0; items/s from the first request to the last
    answer, the daemon's CPU per 10k items, and the ledger's row counts against what was pushed.
(b) Latency: at half that rate, arrays on an open-loop schedule (request k is due at start + k / rate,
    whatever happened to the earlier ones): a slow answer does not lower the offered rate, and a
    request sent late because every connection was busy counts from when it was due.

Any answer other than HTTP 200 with code 0, and any connection error, is counted as an error (the
array is pushed again, as the platform would, up to MAX_ATTEMPTS times).
"""
import http.client
import json
import os
import random
import threading
import time

import procstat
from daemon import Daemon, free_port, write_config

TOKEN = "bench-push-token-0123456789abcdef"
ITEMS_PER_ARRAY = 100
CONNECTIONS = 8
LATENCY_CONNECTIONS = 16  # more than the schedule ever needs at once, so late sends stay rare
MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 60

REPORT_ITEM = ('{"phone_number":"138%08d","send_time":"%s","report_time":"%s","success":true,'
               '"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1","biz_id":"%s","out_id":"push-%d"}')
REPLY_ITEM = ('{"dest_code":"1234","send_time":"%s","sequence_id":"%s","phone_number":"139%08d",'
              '"content":"退订 %d","sign_name":"基准测试"}')


def beijing_time(offset_seconds=0):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600 + offset_seconds))


class ArrayMaker:
    """Arrays of distinct items (a run tag in every biz_id / sequence_id, so a second use of the same
    ledger would not dedupe them either), as (kind, item count, UTF-8 body)."""

    def __init__(self):
        self.run = "%06d" % random.randrange(1_000_000)
        self.index = 0

    def array(self, kind, count):
        sent, reported = beijing_time(-5), beijing_time()
        items = []
        for _ in range(count):
            self.index += 1
            i = self.index
            if kind == "SmsReport":
                items.append(REPORT_ITEM % (i % 100_000_000, sent, reported, "8%s%011d^0" % (self.run, i), i))
            else:
                items.append(REPLY_ITEM % (reported, "8%s%011d" % (self.run, i), i % 100_000_000, i))
        return kind, count, ("[" + ",".join(items) + "]").encode("utf-8")

    def mix(self, n, up_share):
        """Arrays for `n` items, the SmsUp arrays spread evenly among the SmsReport ones."""
        replies = int(round(n * up_share))
        plan = []
        for kind, total in (("SmsReport", n - replies), ("SmsUp", replies)):
            sizes = [ITEMS_PER_ARRAY] * (total // ITEMS_PER_ARRAY) + ([total % ITEMS_PER_ARRAY] if total % ITEMS_PER_ARRAY else [])
            plan += [((k + 0.5) / len(sizes), kind, size) for k, size in enumerate(sizes)]
        plan.sort(key=lambda entry: entry[0])
        return [self.array(kind, size) for _, kind, size in plan]


class Pusher:
    """One keep-alive connection; `push` answers (ok, error text or None)."""

    def __init__(self, port):
        self.port = port
        self.connection = None

    def push(self, kind, body):
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_SECONDS)
        try:
            self.connection.request("POST", "/alibaba/push/%s/%s" % (TOKEN, kind), body=body,
                                    headers={"Content-Type": "application/json"})
            response = self.connection.getresponse()
            answer = response.read()
        except (http.client.HTTPException, OSError) as error:
            self.close()
            return False, "%s: %s" % (type(error).__name__, error)
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        if response.status != 200:
            return False, "HTTP %d %s" % (response.status, answer[:200].decode("utf-8", "replace"))
        try:
            code = json.loads(answer).get("code")
        except (ValueError, AttributeError):
            return False, "HTTP 200 with an unreadable answer %r" % answer[:200]
        if code != 0:
            return False, "HTTP 200 with code %r: %s" % (code, answer[:200].decode("utf-8", "replace"))
        return True, None

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Errors:
    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.by_kind = {}
        self.samples = []

    def add(self, text):
        with self.lock:
            self.count += 1
            kind = text.split(":")[0][:60]
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            if len(self.samples) < 5:
                self.samples.append(text)

    def figures(self):
        return {"count": self.count, "by_kind": dict(self.by_kind), "samples": list(self.samples)}


def throughput(port, arrays, connections):
    """Push every array (retrying failures) over `connections` keep-alive connections; the wall time
    from the first request to the last answer."""
    errors = Errors()
    lock = threading.Lock()
    pending = list(reversed(arrays))  # pop() takes them in order
    attempts = {}
    done = {"items": 0, "requests": 0, "gave_up": 0}
    answered = []  # (monotonic time, items) of every code-0 answer: for the rate second by second

    def worker():
        pusher = Pusher(port)
        while True:
            with lock:
                if not pending:
                    break
                array = pending.pop()
            kind, count, body = array
            ok, error = pusher.push(kind, body)
            with lock:
                done["requests"] += 1
                if ok:
                    done["items"] += count
                    answered.append((time.monotonic(), count))
                    continue
                attempts[id(array)] = attempts.get(id(array), 1) + 1
                if attempts[id(array)] <= MAX_ATTEMPTS:
                    pending.append(array)
                else:
                    done["gave_up"] += 1
            errors.add(error)
        pusher.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    cpu_before = time.process_time()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    done["items_by_second"] = [0] * (int(seconds) + 1)
    for at, count in answered:
        done["items_by_second"][int(at - started)] += count
    return done, seconds, time.process_time() - cpu_before, errors


def latency(port, maker, rate, seconds, up_share, connections=LATENCY_CONNECTIONS):
    """Arrays of ITEMS_PER_ARRAY items due at start + k * ITEMS_PER_ARRAY / rate for `seconds`; each
    answer timed from when its request was due (and, to tell client-side queueing apart, from when it
    was sent). Failed arrays are counted, not retried: a retry would distort the schedule."""
    interval = ITEMS_PER_ARRAY / rate
    total = max(1, int(seconds / interval))
    replies = int(round(total * up_share))
    kinds = ["SmsReport"] * total
    for k in range(replies):  # spread evenly
        kinds[int((k + 0.5) * total / replies)] = "SmsUp"
    arrays = [maker.array(kind, ITEMS_PER_ARRAY) for kind in kinds]
    errors = Errors()
    lock = threading.Lock()
    state = {"next": 0}
    from_due, from_send, late = [], [], []
    sent_at = []
    started = time.monotonic() + 0.05

    def worker():
        pusher = Pusher(port)
        while True:
            with lock:
                k = state["next"]
                if k >= total:
                    break
                state["next"] += 1
            due = started + k * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            kind, count, body = arrays[k]
            sent = time.monotonic()
            ok, error = pusher.push(kind, body)
            answered = time.monotonic()
            with lock:
                sent_at.append(sent)
                if sent - due > 0.010:
                    late.append(sent - due)
                if ok:
                    from_due.append((answered - due) * 1000)
                    from_send.append((answered - sent) * 1000)
            if not ok:
                errors.add(error)
        pusher.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    window = max(sent_at) - started + interval
    return {
        "offered_items_per_second": round(rate, 1), "achieved_items_per_second": round(total * ITEMS_PER_ARRAY / window, 1),
        "seconds": round(window, 3), "requests": total, "items": total * ITEMS_PER_ARRAY,
        "answered_code_0": len(from_due), "connections": connections,
        "answer_ms": percentiles(sorted(from_due)), "answer_from_send_ms": percentiles(sorted(from_send)),
        "sent_late_over_10ms": len(late), "latest_send_ms": round(max(late) * 1000, 1) if late else 0.0,
        "receipts": kinds.count("SmsReport") * ITEMS_PER_ARRAY, "replies": kinds.count("SmsUp") * ITEMS_PER_ARRAY,
        "errors": errors.figures(),
    }


def percentiles(values):
    if not values:
        return {}
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return {"p50": round(pick(0.50), 1), "p99": round(pick(0.99), 1), "max": round(values[-1], 1)}


def push(binary, emulator, workdir, n, up_share, pollers, batch, wait_seconds, latency_seconds, log,
         connections=CONNECTIONS):
    directory = os.path.join(workdir, "push")
    os.makedirs(directory, exist_ok=True)
    port = free_port()
    config, store = write_config(directory, emulator.endpoint, pollers, batch, wait_seconds=wait_seconds,
                                 http_port=port, push_token=TOKEN)
    maker = ArrayMaker()
    arrays = maker.mix(n, up_share)
    reports = sum(count for kind, count, _ in arrays if kind == "SmsReport")
    replies = n - reports
    log("push: %d arrays of up to %d items (%d receipts, %d replies) over %d connections"
        % (len(arrays), ITEMS_PER_ARRAY, reports, replies, connections))
    daemon = Daemon(binary, config, store, os.path.join(directory, "daemon.log"))
    result = {"items_per_array": ITEMS_PER_ARRAY, "ready_ms": round(daemon.ready_seconds * 1000, 1)}
    try:
        before = procstat.Usage(daemon.pid)
        done, seconds, pusher_cpu, errors = throughput(port, arrays, connections)
        after = procstat.Usage(daemon.pid)
        cpu = after.cpu - before.cpu
        items = done["items"]
        rows = daemon.counts()
        result["throughput"] = {
            "items": items, "receipts": reports, "replies": replies, "arrays": len(arrays),
            "requests": done["requests"], "connections": connections, "seconds": round(seconds, 3),
            "items_per_second": round(items / seconds, 1), "cpu_seconds": round(cpu, 3),
            "cpu_seconds_per_10k": round(cpu / max(items, 1) * 10_000, 3),
            "pusher_cpu_seconds_per_10k": round(pusher_cpu / max(items, 1) * 10_000, 3),
            "peak_rss_mib": round(after.peak_rss_kib / 1024, 1),
            "arrays_given_up": done["gave_up"], "errors": errors.figures(),
            # Items answered in each second from the first request (the last entry is a partial second).
            "items_by_second": done["items_by_second"],
        }
        result["items_per_second"] = result["throughput"]["items_per_second"]
        result["ledger_rows"] = rows
        result["ledger_matches"] = (rows["receipts"] == reports and rows["replies"] == replies
                                    and rows["quarantine"] == 0 and items == n)
        log("push: %.0f items/s, %.3f daemon CPU s / 10k, %d errors, ledger %s (pushed %d + %d)"
            % (result["items_per_second"], result["throughput"]["cpu_seconds_per_10k"], errors.count, rows,
               reports, replies))
        rate = result["items_per_second"] / 2
        log("push: latency at %.0f items/s offered (%.1f arrays/s) for %ds"
            % (rate, rate / ITEMS_PER_ARRAY, latency_seconds))
        result["latency"] = latency(port, maker, rate, latency_seconds, up_share)
        lat = result["latency"]
        lat["ledger_rows_after"] = daemon.counts()
        lat["ledger_matches_after"] = (
            lat["ledger_rows_after"]["receipts"] == rows["receipts"] + lat["receipts"]
            and lat["ledger_rows_after"]["replies"] == rows["replies"] + lat["replies"]
            and lat["ledger_rows_after"]["quarantine"] == 0)
        log("push: answers %s ms at %.0f items/s achieved, %d errors"
            % (result["latency"]["answer_ms"], result["latency"]["achieved_items_per_second"],
               result["latency"]["errors"]["count"]))
    finally:
        result["exit_code"] = daemon.stop()
    result["errors"] = result.get("throughput", {}).get("errors", {}).get("count", 0) \
        + result.get("latency", {}).get("errors", {}).get("count", 0)
    return result
