#!/usr/bin/env python3
"""Webhook delivery against the drain: does delivery keep up, and does a dead endpoint slow the drain?

Three runs on one emulator, each a fresh daemon and ledger draining the same mix of N preloaded
messages (receipts and replies) with production settings (synchronous=FULL):

  (a) no [[webhooks]]: the baseline drain;
  (b) one endpoint on loopback answering 204 (a Python keep-alive server here): the drain rate, then
      events/s from READY=1 until the last event is delivered, and the delivery lag per event (the
      receiver's clock at arrival minus the event's `timestamp`, i.e. the commit of its cause), p50/p99;
  (c) one endpoint whose port refuses connections: the drain rate.

It prints the ratios (b)/(a) and (c)/(a) of the drain rate; the issue asks (c) to stay within 10 %.
Results go to BENCH_RESULTS_DIR (default Benchmarks/results) as webhooks-<time>.json.

Settings: BENCH_WEBHOOK_MODES (default none,endpoint,down), BENCH_WEBHOOK_IN_FLIGHT (16),
BENCH_WEBHOOK_RECEIVER=asyncio (a receiver that is not itself the ceiling), BENCH_WEBHOOK_PACE
(messages/s arriving over time instead of preloaded; the drain rate then is that pace).

Usage: LEDGER_BIN=.build/release/smsledger python3 Benchmarks/harness/webhook_phase.py [N]
"""
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import procstat
from daemon import Daemon, free_port, write_config
from emulator import Emulator
from phases import percentiles, split_mix

SECRET = "whsec_YmVuY2htYXJrLXdlYmhvb2stc2VjcmV0LTAxMjM0NTY3"
UP_SHARE = 0.1
POLLERS = 32
BATCH = 16
IN_FLIGHT = int(os.environ.get("BENCH_WEBHOOK_IN_FLIGHT", "16"))


def log(message):
    print("webhooks: %s" % message, flush=True)


def event_stamp(body):
    """The event's own `timestamp` (the commit of its cause), the last member of every body, raw."""
    return body[body.rfind(b'"timestamp":"') + 13:][:23]


def epoch(stamp):
    return datetime.strptime(stamp.decode() + "+0000", "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


class Receiver:
    """Answers 204 at once and notes, per request, the arrival time and the event's own timestamp."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals = {}  # webhook-id -> (arrival epoch s, event timestamp epoch s)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                arrived = time.time()
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                created = epoch(event_stamp(body))
                with receiver.lock:
                    receiver.arrivals.setdefault(self.headers.get("webhook-id"), (arrived, created))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self):
        with self.lock:
            return len(self.arrivals)

    def stop(self):
        self.server.shutdown()


class AsyncReceiver:
    """The same answers as ``Receiver`` from one asyncio thread that parses only what it needs: the
    `http.server` receiver spends a Python thread and a header parser per request and had become the
    ceiling of delivery (BENCH_WEBHOOK_RECEIVER=asyncio). Arrivals are noted raw and read after."""

    def __init__(self):
        import asyncio
        self.lock = threading.Lock()
        self.raw = []  # (webhook-id bytes, arrival epoch s, body timestamp bytes)
        self.loop = asyncio.new_event_loop()
        receiver = self

        class Protocol(asyncio.Protocol):
            def connection_made(self, transport):
                self.transport, self.buffer = transport, b""

            def data_received(self, data):
                self.buffer += data
                while True:
                    end = self.buffer.find(b"\r\n\r\n")
                    if end < 0:
                        return
                    head = self.buffer[:end].lower() + b"\r\n"
                    at = head.find(b"content-length:")
                    length = int(head[at + 15:head.find(b"\r\n", at)]) if at >= 0 else 0
                    if len(self.buffer) < end + 4 + length:
                        return
                    body = self.buffer[end + 4:end + 4 + length]
                    self.buffer = self.buffer[end + 4 + length:]
                    at = head.find(b"webhook-id:")
                    wid = head[at + 11:head.find(b"\r\n", at)].strip() if at >= 0 else b""
                    receiver.raw.append((wid, time.time(), event_stamp(body)))
                    self.transport.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")

        self.server = self.loop.run_until_complete(self.loop.create_server(Protocol, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    @property
    def arrivals(self):
        found = {}
        for wid, arrived, stamp in list(self.raw):
            if wid not in found:
                found[wid] = (arrived, epoch(stamp))
        return found

    def delivered(self):
        return len({wid for wid, _, _ in list(self.raw)})

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)


def add_endpoint(config, port):
    with open(config, "a") as f:
        f.write('\n[webhook_delivery]\npoll_interval_ms = 100\n\n[[webhooks]]\nname = "bench"\n'
                'url = "http://127.0.0.1:%d/events"\nsecret = "%s"\nmax_in_flight = %d\nmax_per_second = 10000\n'
                % (port, SECRET, IN_FLIGHT))


def events_in(store):
    import sqlite3
    with sqlite3.connect("file:%s?mode=ro" % store, uri=True) as ledger:
        return ledger.execute("SELECT count(*) FROM webhook_events").fetchone()[0]


def feed(emulator, reports, replies, pace):
    """BENCH_WEBHOOK_PACE=messages/s: the messages arrive over time at that rate instead of waiting
    in the queues from the start, as a sender's traffic does; the lag then says whether delivery
    keeps up with it rather than how long a backlog takes to work off."""
    started, sent, total = time.monotonic(), 0, reports + replies
    while sent < total:
        due = min(total, int((time.monotonic() - started + 1) * pace))
        if due > sent:
            share = (due - sent) * replies // total
            emulator.preload(due - sent - share, share)
            sent = due
        time.sleep(max(0.0, started + sent / pace - time.monotonic()))


def run(binary, emulator, n, mode, workdir):
    os.makedirs(workdir, exist_ok=True)
    reports, replies = split_mix(n, UP_SHARE)
    pace = int(os.environ.get("BENCH_WEBHOOK_PACE", "0"))
    try:
        emulator.outstanding()
    except (OSError, http.client.HTTPException):
        # The admin connection sat idle through a long delivery phase and the emulator closed it;
        # `admin` has opened a new one.
        pass
    if not pace:
        emulator.preload(reports, replies)
    config, store = write_config(workdir, emulator.endpoint, POLLERS, BATCH, wait_seconds=1)
    receiver = None
    if mode == "endpoint":
        receiver = AsyncReceiver() if os.environ.get("BENCH_WEBHOOK_RECEIVER") == "asyncio" else Receiver()
        add_endpoint(config, receiver.port)
    elif mode == "down":
        add_endpoint(config, free_port())  # nothing listens there: every connection is refused
    daemon = Daemon(binary, config, store, os.path.join(workdir, "daemon.log"))
    result = {"mode": mode, "messages": n}
    try:
        ready = time.monotonic()
        ready_wall = time.time()
        before = procstat.Usage(daemon.pid)
        if pace:
            feed(emulator, reports, replies, pace)
        drained = emulator.wait_until_drained(timeout=max(300, n / 50))
        after = procstat.Usage(daemon.pid)
        result["drain_seconds"] = round(drained - ready, 2)
        result["messages_per_second"] = round(n / (drained - ready), 1)
        result["cpu_seconds_per_10k"] = round((after.cpu - before.cpu) / n * 10_000, 3)
        if mode != "none":
            result["events"] = events_in(store)
        if receiver is not None:
            deadline = time.monotonic() + max(600, n / 20)
            while receiver.delivered() < result["events"] and time.monotonic() < deadline:
                time.sleep(0.2 if isinstance(receiver, Receiver) else 2)
            with receiver.lock:
                arrivals = list(receiver.arrivals.values())
            last = max(a for a, _ in arrivals)
            result["delivered"] = len(arrivals)
            result["events_per_second"] = round(len(arrivals) / (last - ready_wall), 1)
            result["delivery_seconds_after_drain"] = round(last - ready_wall - (drained - ready), 2)
            result["lag_ms"] = percentiles(sorted((a - c) * 1000 for a, c in arrivals))
    finally:
        # The backlog must live in the ledger, not in memory: compare the modes' peaks.
        result["peak_rss_mib"] = round(procstat.Usage(daemon.pid).peak_rss_kib / 1024, 1)
        result["exit_code"] = daemon.stop()
        if receiver is not None:
            receiver.stop()
    time.sleep(1)
    log("%s: %s" % (mode, json.dumps(result)))
    return result


def main():
    binary = os.environ.get("LEDGER_BIN") or sys.exit("set LEDGER_BIN")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_N", "200000"))
    workdir = tempfile.mkdtemp(prefix="smsledger-bench-webhooks-")
    emulator = Emulator(binary)
    try:
        modes = os.environ.get("BENCH_WEBHOOK_MODES", "none,endpoint,down").split(",")
        results = {mode: run(binary, emulator, n, mode, os.path.join(workdir, mode)) for mode in modes}
        if len(results) < 3:
            return
    finally:
        emulator.stop()
    base = results["none"]["messages_per_second"]
    summary = {
        "binary": binary, "n": n, "runs": results,
        "endpoint_drain_ratio": round(results["endpoint"]["messages_per_second"] / base, 3),
        "down_drain_ratio": round(results["down"]["messages_per_second"] / base, 3),
    }
    print("\nN = %d, %s" % (n, binary))
    print("drain msg/s: no webhooks %.0f | endpoint up %.0f (%.0f %%) | endpoint down %.0f (%.0f %%)" % (
        base, results["endpoint"]["messages_per_second"], summary["endpoint_drain_ratio"] * 100,
        results["down"]["messages_per_second"], summary["down_drain_ratio"] * 100))
    up = results["endpoint"]
    print("endpoint up: %d events, %d delivered, %.0f events/s, lag p50 %s ms p99 %s ms, last delivery %.1f s after the drain"
          % (up["events"], up["delivered"], up["events_per_second"], up["lag_ms"].get("p50"), up["lag_ms"].get("p99"),
             up["delivery_seconds_after_drain"]))
    print("peak RSS MiB: no webhooks %.1f | endpoint up %.1f | endpoint down %.1f" % tuple(
        results[mode]["peak_rss_mib"] for mode in ("none", "endpoint", "down")))
    print("down endpoint within 10 %% of the baseline: %s" % ("PASS" if summary["down_drain_ratio"] >= 0.9 else "FAIL"))
    directory = os.environ.get("BENCH_RESULTS_DIR", os.path.join(os.path.dirname(__file__), "..", "results"))
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "webhooks-%s.json" % time.strftime("%Y%m%d-%H%M%S"))
    with open(path, "w") as f:
        json.dump(summary, f, indent=2)
    print("written to %s" % path)


if __name__ == "__main__":
    main()
