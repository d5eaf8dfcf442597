"""The three measured consumers, each against the same emulator, one after another."""
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time

import procstat
from alibaba_wire import fetch_queue_token
from daemon import CommitWatcher, Daemon, write_config
from emulator import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REPORT_QUEUE, UP_QUEUE

HERE = os.path.dirname(os.path.abspath(__file__))
DAEMON_WAIT_SECONDS = 30  # the production default: idle CPU is measured with the long polls users get
CONSUMER_WAIT_SECONDS = 5  # official_consumer.py and ceiling_consumer.py


def let_orphaned_polls_expire(wait_seconds, log):
    """The emulator withdraws a long poll when its client's connection closes; before it did, it handed
    the next phase's messages to it (invisible until their visibility timeout) and the harness waited
    out `wait_seconds`. A moment is enough for the stopped consumer's connections to be seen closed."""
    del wait_seconds
    log("pausing 1s for the stopped consumer's connections to close")
    time.sleep(1)


def split_mix(total, up_share):
    replies = int(round(total * up_share))
    return total - replies, replies


def throughput_figures(count, seconds, usage_before, usage_after, emulator_cpu):
    cpu = usage_after.cpu - usage_before.cpu
    return {
        "messages": count, "seconds": round(seconds, 3), "messages_per_second": round(count / seconds, 1),
        "cpu_seconds": round(cpu, 3), "cpu_seconds_per_10k": round(cpu / count * 10_000, 3),
        "peak_rss_mib": round(usage_after.peak_rss_kib / 1024, 1),
        "emulator_cpu_seconds_per_10k": round(emulator_cpu / count * 10_000, 3),
    }


def wait_for_line(process, text, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("consumer exited before saying %r" % text)
        if text in line:
            return
    raise RuntimeError("consumer did not say %r within %ds" % (text, timeout))


def stop_process(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


# --- 1. SMSLedger ---------------------------------------------------------------------------------

def smsledger(emulator, binary, workdir, n, up_share, pollers, batch, idle_seconds, latency_seconds, log,
              drain_only=False, metrics=True):
    """The drain; then, unless `drain_only` (the later rounds of a multi-round run), idle CPU and the
    half-load latency run."""
    reports, replies = split_mix(n, up_share)
    log("SMSLedger: preloading %d receipts + %d replies" % (reports, replies))
    emulator.preload(reports, replies)
    config, store = write_config(workdir, emulator.endpoint, pollers, batch, wait_seconds=DAEMON_WAIT_SECONDS,
                                 metrics=metrics)
    emulator_before = procstat.cpu_seconds(emulator.pid)
    daemon = Daemon(binary, config, store, os.path.join(workdir, "daemon.log"))
    try:
        ready_at = time.monotonic()
        before = procstat.Usage(daemon.pid)
        rss_track = []  # (messages settled so far, VmRSS KiB): for the no-growth check on long runs

        def sample(left):
            rss_track.append((n - left, procstat.status_kib(daemon.pid, "VmRSS")))
        drained_at = emulator.wait_until_drained(timeout=max(120, n / 100), on_poll=sample)
        after = procstat.Usage(daemon.pid)
        result = throughput_figures(n, drained_at - ready_at, before, after,
                                    procstat.cpu_seconds(emulator.pid) - emulator_before)
        result["ready_ms"] = round(daemon.ready_seconds * 1000, 1)
        result["ledger_rows"] = daemon.counts()
        result["rss_track_mib"] = rss_profile(rss_track)
        if drain_only:
            log("SMSLedger: %.0f msg/s" % result["messages_per_second"])
        else:
            idle_and_latency(result, emulator, daemon, idle_seconds, latency_seconds, log)
    finally:
        result_code = daemon.stop()
    result["exit_code"] = result_code
    let_orphaned_polls_expire(DAEMON_WAIT_SECONDS, log)
    return result


def idle_and_latency(result, emulator, daemon, idle_seconds, latency_seconds, log):
    log("SMSLedger: %.0f msg/s; idle for %ds" % (result["messages_per_second"], idle_seconds))
    idle_before = procstat.cpu_seconds(daemon.pid)
    time.sleep(idle_seconds)
    idle_cpu = procstat.cpu_seconds(daemon.pid) - idle_before
    result["idle"] = {"seconds": idle_seconds, "cpu_seconds": round(idle_cpu, 3),
                      "percent_of_one_core": round(idle_cpu / idle_seconds * 100, 3)}

    rate = result["messages_per_second"] / 2
    log("SMSLedger: latency at %.0f msg/s offered for %ds" % (rate, latency_seconds))
    result["latency"] = latency(emulator, daemon, rate, latency_seconds)


def rss_profile(track):
    """RSS when 100,000 messages were settled (or at the half-way mark of a shorter run) and at the end."""
    if not track:
        return {}
    total = track[-1][0]
    mark = 100_000 if total >= 200_000 else total // 2
    at_mark = next((rss for done, rss in track if done >= mark), track[-1][1])
    return {"mark_messages": mark, "at_mark": round(at_mark / 1024, 1), "at_end": round(track[-1][1] / 1024, 1),
            "max_sampled": round(max(rss for _, rss in track) / 1024, 1)}


def latency(emulator, daemon, rate, seconds, tick=0.01):
    """Enqueue receipts at a fixed rate through the admin API, recording when each biz_id was sent;
    watch the ledger for when each becomes visible (committed). Pollers are always parked in a long
    poll when a message arrives, so the long-poll wait itself never shows in the figures."""
    watcher = CommitWatcher(daemon.store_path)
    stop = threading.Event()
    watching = threading.Thread(target=watcher.run_until, args=(stop,), daemon=True)
    watching.start()
    sent = {}  # biz_id -> wall ms just before the enqueue request was sent (a conservative start)
    run = "%06d" % random.randrange(1_000_000)
    per_tick, carry, index = rate * tick, 0.0, 0
    started = time.monotonic()
    ticks = int(seconds / tick)
    for k in range(ticks):
        due = started + k * tick
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        carry += per_tick
        count, carry = int(carry), carry - int(carry)
        if count == 0:
            continue
        batch = []
        for _ in range(count):
            index += 1
            biz_id = "9%s%011d^0" % (run, index)
            batch.append(receipt_object(biz_id, index))
        now_ms = time.time() * 1000
        for item in batch:
            sent[item["biz_id"]] = now_ms
        emulator.enqueue_bodies(REPORT_QUEUE, batch)
    offered_seconds = time.monotonic() - started
    deadline = time.monotonic() + 60
    while len(watcher.seen) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    watching.join()
    commit = sorted(watcher.seen[b][0] - sent[b] for b in sent if b in watcher.seen)
    receive = sorted(watcher.seen[b][1] - sent[b] for b in sent if b in watcher.seen)
    return {"offered_per_second": round(rate, 1), "achieved_per_second": round(len(sent) / offered_seconds, 1),
            "messages": len(sent), "committed": len(commit),
            "enqueue_to_commit_ms": percentiles(commit), "enqueue_to_received_at_ms": percentiles(receive),
            "watch_interval_ms": watcher.interval * 1000}


def receipt_object(biz_id, index):
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600))
    return {"phone_number": "139%08d" % (index % 100_000_000), "send_time": now, "report_time": now,
            "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1",
            "biz_id": biz_id, "out_id": "lat-%d" % index}


def percentiles(values):
    if not values:
        return {}
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return {"p50": round(pick(0.50), 1), "p99": round(pick(0.99), 1), "max": round(values[-1], 1)}


# --- 2. The official pattern ----------------------------------------------------------------------

def official(emulator, python, workdir, n, up_share, log):
    """One SDK consumer per queue, as the demos run one per message type; both started and parked in
    a long poll before the messages are enqueued, so interpreter start-up is not counted."""
    reports, replies = split_mix(n, up_share)
    # Both consumers open the same new file; two processes switching a new file to WAL at once can
    # fail one of them with "database is locked" (it did, once), so the file is in WAL mode first.
    prepare = sqlite3.connect(os.path.join(workdir, "official.sqlite"))
    prepare.execute("PRAGMA journal_mode=WAL")
    prepare.close()
    consumers = []
    for message_type, queue in (("SmsReport", REPORT_QUEUE), ("SmsUp", UP_QUEUE)):
        process = subprocess.Popen(
            [python, os.path.join(HERE, "official_consumer.py"), emulator.endpoint, ACCESS_KEY_ID,
             ACCESS_KEY_SECRET, message_type, queue, os.path.join(workdir, "official.sqlite")],
            stdout=subprocess.PIPE, stderr=open(os.path.join(workdir, "official-%s.log" % message_type), "w"),
            text=True)
        consumers.append(process)
    try:
        for process in consumers:
            wait_for_line(process, "official consumer ready")
        before = [procstat.Usage(p.pid) for p in consumers]
        emulator_before = procstat.cpu_seconds(emulator.pid)
        started = time.monotonic()
        log("official: enqueueing %d receipts + %d replies" % (reports, replies))
        emulator.preload(reports, replies)
        drained_at = emulator.wait_until_drained(timeout=max(300, n / 20))
        after = [procstat.Usage(p.pid) for p in consumers]
        return throughput_figures(n, drained_at - started, combined(before), combined(after),
                                  procstat.cpu_seconds(emulator.pid) - emulator_before)
    finally:
        for process in consumers:
            stop_process(process)
        let_orphaned_polls_expire(CONSUMER_WAIT_SECONDS, log)


def combined(usages):
    total = procstat.Usage.__new__(procstat.Usage)
    total.cpu = sum(u.cpu for u in usages)
    total.peak_rss_kib = sum(u.peak_rss_kib for u in usages)
    total.rss_kib = sum(u.rss_kib for u in usages)
    return total


# --- 3. The protocol ceiling ----------------------------------------------------------------------

def ceiling(emulator, workdir, n, up_share, loops_per_queue, processes, log):
    reports, replies = split_mix(n, up_share)
    log("ceiling: preloading %d receipts + %d replies" % (reports, replies))
    emulator.preload(reports, replies)
    tokens = {queue: fetch_queue_token(emulator.host, ACCESS_KEY_ID, ACCESS_KEY_SECRET, kind, queue)
              for kind, queue in (("SmsReport", REPORT_QUEUE), ("SmsUp", UP_QUEUE))}
    import json
    emulator_before = procstat.cpu_seconds(emulator.pid)
    process = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "ceiling_consumer.py"), emulator.host, json.dumps(tokens),
         str(processes), str(loops_per_queue)],
        stdout=subprocess.PIPE, stderr=open(os.path.join(workdir, "ceiling.log"), "w"), text=True)
    try:
        wait_for_line(process, "ceiling consumer ready")
        started = time.monotonic()
        before = procstat.Usage(process.pid)
        drained_at = emulator.wait_until_drained(timeout=max(120, n / 100))
        after = procstat.Usage(process.pid)
        result = throughput_figures(n, drained_at - started, before, after,
                                    procstat.cpu_seconds(emulator.pid) - emulator_before)
        result["consumer"] = "python raw HTTP, %d processes, %d loops per queue" % (processes, loops_per_queue)
        return result
    finally:
        stop_process(process)
