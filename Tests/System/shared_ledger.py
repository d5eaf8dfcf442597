#!/usr/bin/env python3
"""Several `smsledger run` daemons sharing one PostgreSQL ledger and one emulator: kills, a stop for
good, a PostgreSQL restart; every message stored exactly once, every due send queried once.

Why: on PostgreSQL several daemons take messages from the same queues (competing consumers) and
compensation work from the same `sends` table (FOR UPDATE SKIP LOCKED leases). The in-process
sharing tests show the store's rules; only real processes show that they hold when a daemon
vanishes between any two instructions, when another leaves half way, and when the server itself
goes away under them.

Scenario "shared" (the issue's words: three daemons against one PostgreSQL and the emulator, 30,000
messages, one daemon kill -9'd and restarted repeatedly, another stopped for good half way):
 1. a fresh database; the emulator withholds every receipt of SendSms, and `smsledger send` records
    SENDS sends (each its own phone number) in the ledger: only compensation can settle them, and the
    emulator answers QuerySendDetails with the final state, so one schedule step settles each;
 2. MESSAGES SmsReport and SmsUp bodies (2:1), plus exact duplicates, are enqueued;
 3. daemons A, B, C start (own config files, same [store], compensation every second, first check
    at once); A is SIGKILLed at random moments and restarted KILLS times; B gets SIGTERM once half
    the messages are stored (exit 0 expected); C runs throughout;
 4. once the queues are empty and every recorded send is final (a send whose lookup died with a
    killed A comes back when its 30 s lease expires), A and C get SIGTERM (exit 0 expected);
 5. psql reads the ledger: each distinct body stored once, row by row; queues and quarantine empty;
    each recorded send final with the emulator's true outcome after one check; the emulator's
    QuerySendDetails counter (GET /_emulator/queries) says each was asked once; a second question
    is accepted only for a send whose first answer died with a kill -9 of A (a kill between the two
    questions, the second one a lease later); no daemon logged an error (a deadlock or
    serialization failure the store did not absorb would show up as one).

Scenario "restart" (nothing is deleted from a queue without its commit; the daemons reconnect):
 1. a fresh database; two daemons D and E (logging at debug, which names each message's poller)
    drain RESTART_MESSAGES bodies;
 2. with a quarter to a half stored, the PostgreSQL server is stopped (fast: sessions cut), left
    down DOWN_SECONDS, and started again (postgres-cluster.sh restart);
 3. the daemons must not exit, the drain must finish, every body stored exactly once, queues empty;
    both stop with exit 0 on SIGTERM. The error lines each daemon logged (commits refused while the
    server was away) are counted and shown, split into "during the outage" and "after it". A daemon
    that does not stop names the pollers that fell silent when the server went away.

A daemon that does not exit after SIGTERM leaves daemon-X.stuck.txt in the work directory: the
server's sessions for the ledger and, when gdb is installed, every thread's stack. A commit cancelled
by our own SIGTERM fails the run (see split_stop_cancellations).

Usage: shared_ledger.py BINARY --server-url URL --cluster-dir DIR [--scenario all|shared|restart]
         [--messages N] [--kills N] [--sends N] [--restart-messages N] [--down-seconds S]
         [--duplicates N] [--seed N] [--drain-timeout S] [--log-level L] [--keep]
(shared-ledger.sh starts the cluster and passes --server-url / --cluster-dir.) Standard library only,
loopback only. A failure prints the seed and each daemon's last non-debug lines and keeps the work
directory.
"""

import argparse
import datetime
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree from importing our sibling modules
from alicom_queues import (ACCOUNT_UID, Emulator, Failure, check_ledger_rows, check_queues_empty, enqueue_mixture,
                           make_replies, make_reports)
from crash_safety import KEY_ID, SECRET, start_daemon

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = os.path.join(HERE, "postgres-cluster.sh")
# Short, so that messages a killed daemon (or a refused commit) left in flight come back soon.
VISIBILITY_TIMEOUT = 3
# The compensator's claim lease with max_qps = 1000: max(30, 4 * 500 / 1000) seconds.
CLAIM_LEASE = 30
FIELD, RECORD = "\x1f", "\x1e"
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (\w+) ")
RACE_WORDS = re.compile(r"deadlock|could not serialize|serialization failure|40P01|40001", re.IGNORECASE)


def log(message):
    print(f"shared-ledger: {message}", flush=True)


# MARK: PostgreSQL through psql


def database_url(server_url, name):
    """The server's URL (…/postgres?…) with another database."""
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(url, sql, timeout=60):
    """Rows of a query as lists of strings (NULL as ''); raises Failure when psql fails."""
    try:
        done = subprocess.run(["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-F", FIELD, "-R", RECORD,
                               "-c", sql], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure(f"psql did not answer within {timeout} s: {sql}")
    if done.returncode != 0:
        raise Failure(f"psql failed ({done.returncode}) on {sql!r}: {done.stderr.strip()}")
    text = done.stdout.rstrip("\n")
    return [record.split(FIELD) for record in text.split(RECORD)] if text else []


def stored_total(url):
    """Receipts from the queue + replies, or None while the server (or the schema) is not there."""
    try:
        rows = psql(url, "SELECT (SELECT count(*) FROM receipts WHERE source <> 'compensation') "
                         "+ (SELECT count(*) FROM replies)", timeout=10)
        return int(rows[0][0])
    except (Failure, ValueError, IndexError):
        return None


def create_database(server_url, name):
    psql(server_url, f"DROP DATABASE IF EXISTS {name}")
    psql(server_url, f"CREATE DATABASE {name}")
    return database_url(server_url, name)


# MARK: Daemons


def write_config(path, emulator_base, ledger_url, secret_file, compensation, log_level):
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
batch_size = 8
pollers_per_queue = 2
max_backoff_seconds = 1

[store]
backend = "postgresql"
url = "{ledger_url}"
pool_size = 8

[compensation]
enabled = {"true" if compensation else "false"}
interval_seconds = 1
first_check_after_seconds = 0
backoff_seconds = [1]
max_qps = 1000

[http]
enabled = false

[metrics]
enabled = false

[logging]
level = "{log_level}"
format = "text"
""")


class Notifications:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET, read all the time by a thread.

    The daemon's sd_notify blocks once the socket holds max_dgram_qlen (often 10) unread datagrams:
    a daemon that runs for a minute sends more STATUS= lines than that, and would hang in its
    heartbeat (and so in its shutdown) if nobody read them, which systemd always does."""

    def __init__(self, path):
        self.path = path
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(path)
        self.socket.settimeout(0.1)
        self.lock = threading.Lock()
        self.seen = set()
        self.closed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.closed:
            try:
                message = self.socket.recv(4096).decode("utf-8", "replace")
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.seen.update(line for line in message.split("\n") if line in ("READY=1", "STOPPING=1"))

    def forget(self):
        with self.lock:
            self.seen.clear()

    def has(self, line):
        with self.lock:
            return line in self.seen

    def close(self):
        self.closed = True
        self.thread.join(timeout=2)
        self.socket.close()


class Daemon:
    """One `smsledger run` with its own config, log and notify socket; restarted in the same log."""

    def __init__(self, name, binary, workdir, emulator_base, ledger_url, compensation, log_level):
        self.name = name
        self.binary = binary
        self.config = os.path.join(workdir, f"daemon-{name}.toml")
        write_config(self.config, emulator_base, ledger_url, os.path.join(workdir, f"alibaba-{name}.secret"),
                     compensation, log_level)
        self.ledger_url = ledger_url
        self.log = open(os.path.join(workdir, f"daemon-{name}.log"), "a")
        self.notify = Notifications(os.path.join(workdir, f"notify-{name}.sock"))
        self.process = None
        self.started_at = None
        self.starts = 0
        self.terminated_at = []  # wall-clock times of our SIGTERMs

    def start(self, note):
        self.starts += 1
        self.log.write(f"--- start {self.starts}: {note}\n")
        self.log.flush()
        self.notify.forget()
        self.process = start_daemon(self.binary, self.config, self.log, self.notify.path)
        self.started_at = time.monotonic()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def expect_alive(self):
        if self.process is not None and self.process.poll() is not None:
            raise Failure(f"daemon {self.name} exited on its own with {self.process.returncode}; see {self.log.name}")

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while not self.notify.has("READY=1"):
            self.expect_alive()
            if time.monotonic() > deadline:
                raise Failure(f"no READY=1 from daemon {self.name} {time.monotonic() - self.started_at:.1f} s after "
                              "its start")
            time.sleep(0.05)

    def kill9(self):
        """SIGKILL; returns whether it had said READY=1 (running) or was still starting up."""
        phase = "running" if self.notify.has("READY=1") else "starting up"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        return phase

    def terminate(self):
        # SIGTERM only once the daemon said READY=1: before that it may not handle signals yet.
        self.wait_ready()
        self.log.write("--- SIGTERM (expect exit 0)\n")
        self.log.flush()
        self.terminated_at.append(time.time())
        self.process.send_signal(signal.SIGTERM)

    def check_stopped(self, code):
        """After SIGTERM: exit 0 and STOPPING=1, as systemd would see a clean stop."""
        if code != 0:
            raise Failure(f"daemon {self.name} exited with {code} after SIGTERM, expected 0; see {self.log.name}")
        deadline = time.monotonic() + 1  # the reader thread may not have seen the last datagram yet
        while not self.notify.has("STOPPING=1"):
            if time.monotonic() > deadline:
                raise Failure(f"daemon {self.name} stopped without sending STOPPING=1")
            time.sleep(0.05)
        self.process = None

    def stop(self, timeout=35):
        """SIGTERM, then exit 0 and STOPPING=1 within `timeout` (the daemon cancels what still runs after 25 s)."""
        self.terminate()
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"daemon {self.name} did not exit within {timeout} s of SIGTERM{self.dump_threads()}")
        self.check_stopped(code)

    def dump_threads(self):
        """What a stuck daemon holds: the server's sessions, and every thread's stack when gdb is installed."""
        path = self.log.name.replace(".log", ".stuck.txt")
        with open(path, "w") as out:
            try:
                out.write("pg_stat_activity (pid, application, state, wait event, since, query):\n")
                for row in psql(self.ledger_url, "SELECT pid, application_name, state, wait_event_type || ':' || "
                                "wait_event, now() - state_change, left(query, 100) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()", timeout=10):
                    out.write("  " + " | ".join(row) + "\n")
            except Failure as failure:
                out.write(f"  {failure}\n")
            out.flush()
            if shutil.which("gdb") is not None:
                try:
                    subprocess.run(["gdb", "-p", str(self.process.pid), "-batch", "-ex", "thread apply all bt 40"],
                                   stdout=out, stderr=subprocess.STDOUT, timeout=120)
                except subprocess.TimeoutExpired:
                    pass
        return f" (its sessions and threads: {path})"

    def close(self):
        if self.alive():
            self.process.kill()
            self.process.wait()
        self.notify.close()
        self.log.close()

    def lines(self):
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as text:
            return text.read().splitlines()


def error_lines(daemon):
    """Lines logged at error or critical level, and any line about a lost race (deadlock, serialization)."""
    found = []
    for line in daemon.lines():
        match = LOG_LINE.match(line)
        if (match and match.group(2) in ("error", "critical")) or RACE_WORDS.search(line):
            found.append(line)
    return found


def split_stop_cancellations(daemon, lines):
    """(commits cancelled by our SIGTERM, the other lines).

    `smsledger run` promises to finish the batches in flight on SIGTERM, but QueuePoller.stop()
    cancels the poller's task when its state still says "receiving", and a receive that has just
    returned goes on to commit under that cancelled task. PostgresNIO's queries look at
    cancellation, so the PostgreSQL store runs each operation in a task of its own that does not
    inherit it (Deadline.swift). A CancellationError during a stop means that regressed: nothing is
    lost (the batch comes back after the visibility timeout), but the promise is broken."""
    cancelled, other = [], []
    for line in lines:
        when = log_time(line)
        during_stop = when is not None and any(when >= sent - 0.5 for sent in daemon.terminated_at)
        (cancelled if during_stop and "CancellationError" in line else other).append(line)
    return cancelled, other


def log_time(line):
    """The wall-clock time of a text log line (UTC), or None."""
    match = LOG_LINE.match(line)
    if not match:
        return None
    stamp = match.group(1).rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in stamp else "%Y-%m-%dT%H:%M:%S"
    return datetime.datetime.strptime(stamp, fmt).replace(tzinfo=datetime.timezone.utc).timestamp()


def message_kind(line):
    """An error line without its time stamp and the parts that differ between occurrences."""
    text = LOG_LINE.sub("", line)
    text = re.sub(r"\b\d+\b", "N", text)
    return text[:220]


# MARK: Verification


def verify_messages(url, reports, replies, emulator, tracked_biz_ids=frozenset()):
    """crash_safety.verify on PostgreSQL: every distinct enqueued body once, row by row; receipts of
    tracked sends (compensation) are left to verify_compensation."""
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    for table in ("receipts", "replies"):
        doubled = psql(url, f"SELECT dedupe_key, count(*) FROM {table} GROUP BY dedupe_key HAVING count(*) > 1 LIMIT 5")
        expect(not doubled, f"{table}: dedupe keys stored more than once: {doubled}")

    receipt_rows = [row for row in psql(url, "SELECT biz_id, phone_number, state, source, "
                                             "convert_from(raw_body, 'UTF8') FROM receipts")
                    if row[0] not in tracked_biz_ids]
    reply_rows = psql(url, "SELECT sequence_id, phone_number, convert_from(raw_body, 'UTF8') FROM replies")
    check_ledger_rows(expect, receipt_rows, reply_rows, reports, replies,
                      lambda sources: sources <= {"sms_report"})

    quarantined = int(psql(url, "SELECT count(*) FROM quarantine")[0][0])
    expect(quarantined == 0, f"quarantine holds {quarantined} entries, expected none")

    check_queues_empty(expect, emulator)
    return failures


def silent_pollers(daemon, since):
    """Pollers whose last debug line about a message came before `since` (wall clock), with that time."""
    last = {}
    for line in daemon.lines():
        match = re.search(r" poller=(Sms\w+-\d+)", line)
        when = log_time(line)
        if match and when is not None:
            last[match.group(1)] = when
    return {poller: when for poller, when in sorted(last.items()) if when < since}


def histogram(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def verify_compensation(url, truth, queries, kills):
    """Every recorded send final with its true outcome after one check, and asked once.

    truth: {(biz_id, phone): outcome} from GET /_emulator/sends; queries: GET /_emulator/queries;
    kills: wall-clock times of A's kill -9s. Returns (failures, lookups histogram, explained repeats)."""
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    sends = psql(url, "SELECT biz_id, phone_number, state, is_final, check_count FROM sends WHERE tracked")
    expect(len(sends) == len(truth), f"sends: {len(sends)} tracked, expected {len(truth)}")
    by_key = {(row[0], row[1]): row for row in sends}
    missing = [key for key in truth if key not in by_key]
    expect(not missing, f"sends: {len(missing)} recorded sends missing, e.g. {missing[:3]}")
    open_sends = [key for key, row in by_key.items() if row[3] != "t"]
    expect(not open_sends, f"sends: {len(open_sends)} still open (not final), e.g. {open_sends[:3]}")
    wrong = [(key, row[2], truth.get(key)) for key, row in by_key.items() if row[2] != truth.get(key)]
    expect(not wrong, f"sends: {len(wrong)} final states differ from the emulator's truth, e.g. {wrong[:3]}")
    checks = histogram(int(row[4]) for row in by_key.values())
    expect(set(checks) == {1}, f"sends: checks recorded per send {checks}, expected exactly 1 each "
                               "(one schedule step settles it)")

    receipts = psql(url, "SELECT biz_id, phone_number, source, state FROM receipts WHERE source = 'compensation'")
    per_send = histogram((row[0], row[1]) for row in receipts)
    expect(len(receipts) == len(truth) and set(per_send) == set(truth),
           f"compensation receipts: {len(receipts)} rows for {len(per_send)} sends, expected one per recorded send "
           f"({len(truth)})")

    phones = {phone for _, phone in truth}
    asked = {}
    for entry in queries:
        if entry["phoneNumber"] not in phones:
            failures.append(f"QuerySendDetails asked about {entry['phoneNumber']}, which is no recorded send")
            continue
        asked.setdefault(entry["phoneNumber"], []).append(entry)
    never = [phone for phone in phones if phone not in asked]
    expect(not never, f"QuerySendDetails: {len(never)} recorded sends never asked about, e.g. {never[:3]}")
    several_dates = [phone for phone, entries in asked.items() if len(entries) > 1]
    expect(not several_dates, f"QuerySendDetails: asked under several send dates: {several_dates[:3]}")
    lookups = histogram(sum(e["count"] for e in entries) for entries in asked.values())
    explained = 0
    for phone, entries in asked.items():
        entry = entries[0]
        count = entry["count"]
        if count == 1:
            continue
        first, last = entry["firstAtMillis"] / 1000, entry["lastAtMillis"] / 1000
        between = [k for k in kills if first <= k <= last]
        # A lookup whose answer died with A waits for A's lease (from its claim, before the first
        # question) to run out; 10 s of slack for the time from the claim to that question.
        if between and count <= 1 + len(between) and last - first >= CLAIM_LEASE - 10:
            explained += count - 1
        else:
            failures.append(f"QuerySendDetails asked {count} times about {phone} ({entry['sendDate']}), "
                            f"{last - first:.1f} s apart, with {len(between)} kill -9 of A in between: "
                            "more than once per schedule step")
    return failures, lookups, explained


# MARK: Scenario 1: three daemons, kills, a stop for good


def record_sends(binary, config, count, emulator, url, phone_prefix="136"):
    """`smsledger send` to `count` phones (200 per BizId), receipts withheld; returns {(biz, phone): state}."""
    emulator.admin("PUT", "sms", {"receiptDelay": 0, "failureShare": 0.1, "withholdShare": 1.0})
    phones = [f"{phone_prefix}{index:08d}" for index in range(count)]
    for start in range(0, count, 200):
        chunk = phones[start:start + 200]
        done = subprocess.run([binary, "send", "--config", config, "--phone", ",".join(chunk),
                               "--sign-name", "共享账本测试", "--template-code", "SMS_154950909",
                               "--template-param", '{"code":"1234"}', "--out-id", f"shared-{start}"],
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise Failure(f"smsledger send exited {done.returncode}: {done.stderr.strip()[-500:]}")
    emulator.admin("PUT", "sms", {"receiptDelay": 2, "failureShare": 0.1, "withholdShare": 0.0})
    truth = {(s["bizId"], s["phoneNumber"]): s["outcome"] for s in emulator.admin("GET", "sends")}
    withheld = sum(1 for s in emulator.admin("GET", "sends") if s["receiptWithheld"])
    if len(truth) != count or withheld != count:
        raise Failure(f"the emulator knows {len(truth)} sends ({withheld} withheld), expected {count}")
    tracked = int(psql(url, "SELECT count(*) FROM sends WHERE tracked AND NOT is_final")[0][0])
    if tracked != count:
        raise Failure(f"the ledger holds {tracked} open tracked sends after smsledger send, expected {count}")
    return truth


def scenario_shared(args, rng, workdir, cleanup):
    started = time.monotonic()
    url = create_database(args.server_url, "shared_ledger")
    emulator = Emulator.start(args.binary, os.path.join(workdir, "emulator-shared.log"), KEY_ID, SECRET,
                              VISIBILITY_TIMEOUT)
    cleanup.append(emulator.stop)
    daemons = {name: Daemon(name, args.binary, workdir, emulator.base, url, True, args.log_level or "warning")
               for name in "ABC"}
    cleanup.extend(d.close for d in daemons.values())
    a, b, c = daemons["A"], daemons["B"], daemons["C"]
    try:
        truth = record_sends(args.binary, a.config, args.sends, emulator, url)
        log(f"shared: {len(truth)} sends recorded with `smsledger send`, receipts withheld (only compensation "
            "can settle them)")
        now = int(time.time())
        reports = make_reports(args.messages * 2 // 3, rng, now)
        replies = make_replies(args.messages - len(reports), rng, now)
        report_count, reply_count = enqueue_mixture(emulator, rng, reports, replies, args.duplicates)
        distinct = len(reports) + len(replies)
        log(f"shared: enqueued {report_count} SmsReport and {reply_count} SmsUp bodies ({args.duplicates} exact "
            f"duplicates each) at {emulator.base}; ledger {url}")

        drain_started = time.monotonic()
        for daemon in (a, b, c):
            daemon.start("with the others")
        b.wait_ready()
        c.wait_ready()
        # The first kill comes early, while the first compensation ticks ask about the recorded sends.
        kill_times, mid_run_kills, next_kill = [], 0, time.monotonic() + rng.uniform(0.3, 1.5)
        b_state, b_stopped_at = "running", None
        deadline = time.monotonic() + args.drain_timeout
        stored = 0
        while True:
            if time.monotonic() > deadline:
                raise Failure(f"not drained within {args.drain_timeout:.0f} s: {stored} of {distinct} stored, "
                              f"{list(emulator.depths().values())}")
            for daemon in (a, c) + ((b,) if b_state == "running" else ()):
                daemon.expect_alive()
            if len(kill_times) < args.kills and time.monotonic() >= next_kill:
                uptime = time.monotonic() - a.started_at
                phase = a.kill9()
                kill_times.append(time.time())
                stored = stored_total(url) or 0
                pending = emulator.pending()
                if stored < distinct:
                    mid_run_kills += 1
                log(f"shared: kill -9 A #{len(kill_times)} after {uptime:.2f} s ({phase}): {stored} of {distinct} "
                    f"stored, {pending} messages not yet deleted")
                a.start(f"after kill -9 #{len(kill_times)}")
                next_kill = time.monotonic() + rng.uniform(0.2, 6.0)
            stored = stored_total(url) or stored
            if b_state == "running" and stored >= distinct // 2:
                b.terminate()
                b_state, b_stopped_at = "stopping", time.monotonic()
                log(f"shared: SIGTERM B for good at {stored} of {distinct} stored")
            elif b_state == "stopping":
                if b.process.poll() is not None:
                    b.check_stopped(b.process.returncode)
                    b_state = "stopped"
                    log(f"shared: B exited 0 after {time.monotonic() - b_stopped_at:.1f} s")
                elif time.monotonic() - b_stopped_at > 30:
                    raise Failure("daemon B did not exit within 30 s of SIGTERM")
            if len(kill_times) == args.kills and b_state == "stopped" and emulator.pending() == 0:
                break
            time.sleep(0.25)
        drained = time.monotonic() - drain_started
        log(f"shared: queues empty {drained:.1f} s after the start ({stored} stored)")

        # Sends whose lookup died with a killed A come back when its lease runs out.
        lease_end = (max(kill_times) if kill_times else time.time()) + CLAIM_LEASE
        deadline = time.monotonic() + max(0, lease_end - time.time()) + 60
        while True:
            a.expect_alive()
            c.expect_alive()
            still_open = int(psql(url, "SELECT count(*) FROM sends WHERE tracked AND NOT is_final")[0][0])
            if still_open == 0:
                break
            if time.monotonic() > deadline:
                raise Failure(f"{still_open} recorded sends still open {CLAIM_LEASE} s + 60 s after the last kill")
            time.sleep(0.5)
        settled = time.monotonic() - drain_started
        a.stop()
        c.stop()

        failures = verify_messages(url, reports, replies, emulator, {biz for biz, _ in truth})
        comp_failures, lookups, explained = verify_compensation(url, truth, emulator.admin("GET", "queries"),
                                                                kill_times)
        failures += comp_failures
        stop_cancelled = 0
        for daemon in (a, b, c):
            cancelled, errors = split_stop_cancellations(daemon, error_lines(daemon))
            stop_cancelled += len(cancelled)
            if cancelled:
                log(f"shared: DAEMON DEFECT: {daemon.name} cancelled {len(cancelled)} commit(s) in flight on SIGTERM "
                    f"(see split_stop_cancellations), e.g.\n    {cancelled[0]}")
                errors += cancelled
            if errors:
                failures.append(f"daemon {daemon.name} logged {len(errors)} error line(s), e.g.\n    "
                                + "\n    ".join(errors[:5]))
        if failures:
            raise Failure("scenario shared:\n  " + "\n  ".join(failures))
        if mid_run_kills < args.kills:
            log(f"shared: note: only {mid_run_kills} of {args.kills} kills found the ledger incomplete")
        cancelled_note = f" but {stop_cancelled} commit(s) cancelled by SIGTERM" if stop_cancelled else ""
        print(f"shared ledger: 3 daemons, {distinct} messages ({report_count + reply_count} enqueued) stored exactly "
              f"once, {args.kills} kill -9 of A ({mid_run_kills} mid-drain), B stopped for good at half, queues and "
              f"quarantine empty, no error logged{cancelled_note}; {len(truth)} recorded sends final after one check "
              f"each, QuerySendDetails per send {lookups} ({explained} repeats after a kill -9 of A, a lease later); "
              f"drained in {drained:.0f} s, sends settled in {settled:.0f} s, "
              f"scenario {time.monotonic() - started:.0f} s",
              flush=True)
    finally:
        for daemon in (a, b, c):
            if daemon.alive():
                daemon.process.kill()
                daemon.process.wait()


# MARK: Scenario 2: PostgreSQL restarted in the middle of a drain


def scenario_restart(args, rng, workdir, cleanup):
    started = time.monotonic()
    url = create_database(args.server_url, "restart_ledger")
    emulator = Emulator.start(args.binary, os.path.join(workdir, "emulator-restart.log"), KEY_ID, SECRET,
                              VISIBILITY_TIMEOUT)
    cleanup.append(emulator.stop)
    # Debug lines name each message's poller: a poller that goes silent at the restart shows in them.
    level = args.log_level or "debug"
    daemons = [Daemon(name, args.binary, workdir, emulator.base, url, False, level) for name in ("D", "E")]
    cleanup.extend(d.close for d in daemons)
    try:
        now = int(time.time())
        reports = make_reports(args.restart_messages * 2 // 3, rng, now, biz_base=920000000000000000)
        replies = make_replies(args.restart_messages - len(reports), rng, now, sequence_base=7200000000)
        report_count, reply_count = enqueue_mixture(emulator, rng, reports, replies, args.duplicates)
        distinct = len(reports) + len(replies)
        log(f"restart: enqueued {report_count} SmsReport and {reply_count} SmsUp bodies; ledger {url}")
        drain_started = time.monotonic()
        for daemon in daemons:
            daemon.start("drain through a PostgreSQL restart")
        for daemon in daemons:
            daemon.wait_ready()

        threshold = rng.randint(distinct // 4, distinct // 2)
        deadline = time.monotonic() + args.drain_timeout
        while (stored_total(url) or 0) < threshold:
            for daemon in daemons:
                daemon.expect_alive()
            if time.monotonic() > deadline:
                raise Failure(f"{threshold} messages not stored within {args.drain_timeout:.0f} s")
            time.sleep(0.1)
        before = stored_total(url)
        pending_before = emulator.pending()
        down_at = time.time()
        done = subprocess.run([CLUSTER, "restart", args.cluster_dir, str(args.down_seconds)],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise Failure(f"postgres-cluster.sh restart failed ({done.returncode}): {done.stderr.strip()}")
        up_at = time.time()
        after = stored_total(url)
        log(f"restart: PostgreSQL stopped (fast) at {before} of {distinct} stored, {pending_before} messages not yet "
            f"deleted; down {up_at - down_at:.1f} s; back with {after} stored")
        for daemon in daemons:
            daemon.expect_alive()

        # Progress after the restart, then the rest of the drain.
        resumed_after = None
        stored = after or 0
        while emulator.pending() > 0:
            for daemon in daemons:
                daemon.expect_alive()
            if time.monotonic() > deadline:
                raise Failure(f"not drained within {args.drain_timeout:.0f} s after the restart: {stored} of "
                              f"{distinct} stored, {list(emulator.depths().values())}")
            current = stored_total(url)
            if current is not None and current > (after or 0) and resumed_after is None:
                resumed_after = time.time() - up_at
            stored = current if current is not None else stored
            time.sleep(0.2)
        drained = time.monotonic() - drain_started
        if resumed_after is None:
            resumed_after = time.time() - up_at
        log(f"restart: first new row {resumed_after:.1f} s after the server was back; queues empty "
            f"{drained:.1f} s after the start")
        failures = []
        for daemon in daemons:
            try:
                daemon.stop()
            except Failure as failure:
                failures.append(str(failure))
                daemon.process.kill()
                daemon.process.wait()
                daemon.process = None
        if failures:
            silent = {d.name: silent_pollers(d, down_at + 0.5) for d in daemons}
            described = "; ".join(f"{name}: " + ", ".join(f"{poller} last at {when - down_at:+.1f} s"
                                                          for poller, when in pollers.items())
                                  for name, pollers in silent.items() if pollers) or "none"
            failures.append(f"pollers with no message after the server was stopped (time from the stop; the "
                            f"drain went on for {drained:.0f} s after the start): {described}")

        ledger_failures = verify_messages(url, reports, replies, emulator)
        if failures and not ledger_failures:
            failures.append(f"(the ledger itself is right: {distinct} messages stored exactly once, queues and "
                            "quarantine empty)")
        failures += ledger_failures
        outage, later, stop_cancelled = [], [], 0
        for daemon in daemons:
            cancelled, lines = split_stop_cancellations(daemon, error_lines(daemon))
            stop_cancelled += len(cancelled)
            for line in lines:
                when = log_time(line)
                (later if when is not None and when > up_at + 2 else outage).append((daemon.name, line))
        if stop_cancelled:
            log(f"restart: DAEMON DEFECT: {stop_cancelled} commit(s) in flight cancelled by SIGTERM "
                "(see split_stop_cancellations)")
            failures.append(f"{stop_cancelled} commit(s) cancelled by SIGTERM")
        for label, lines in (("while the server was away (to 2 s after it was back)", outage),
                             ("after the server was back", later)):
            if lines:
                kinds = histogram(f"{name}: {message_kind(line)}" for name, line in lines)
                log(f"restart: {len(lines)} error line(s) {label}:")
                for kind, count in sorted(kinds.items(), key=lambda item: -item[1])[:12]:
                    log(f"    {count} x {kind}")
        if failures:
            raise Failure("scenario restart:\n  " + "\n  ".join(failures))
        print(f"postgres restart: 2 daemons, {distinct} messages ({report_count + reply_count} enqueued) stored "
              f"exactly once through a PostgreSQL restart (fast stop at {before} stored, {up_at - down_at:.1f} s "
              f"down), daemons stayed up and resumed {resumed_after:.1f} s after, queues and quarantine empty; "
              f"error lines {len(outage)} during the outage, {len(later)} after; drained in {drained:.0f} s, "
              f"scenario {time.monotonic() - started:.0f} s", flush=True)
    finally:
        for daemon in daemons:
            if daemon.alive():
                daemon.process.kill()
                daemon.process.wait()


def main():
    # SIGTERM (the timeout, a CI runner) is a failure like any other: logs shown, children killed.
    def terminated(*_):
        raise Failure("terminated by SIGTERM (shared-ledger.sh's timeout, SHARED_LEDGER_TIMEOUT?)")
    signal.signal(signal.SIGTERM, terminated)
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("binary")
    parser.add_argument("--server-url", required=True, help="the cluster's URL (its postgres database)")
    parser.add_argument("--cluster-dir", required=True, help="the cluster's directory, for the restart")
    parser.add_argument("--scenario", choices=("all", "shared", "restart"), default="all")
    parser.add_argument("--messages", type=int, default=30000, help="distinct bodies, shared scenario (2/3 receipts)")
    parser.add_argument("--kills", type=int, default=6, help="kill -9s of daemon A")
    parser.add_argument("--sends", type=int, default=1200, help="recorded sends only compensation can settle")
    parser.add_argument("--restart-messages", type=int, default=10000, help="distinct bodies, restart scenario")
    parser.add_argument("--down-seconds", type=float, default=3, help="how long PostgreSQL stays down")
    parser.add_argument("--duplicates", type=int, default=50, help="exact duplicate bodies per queue")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--drain-timeout", type=float, default=180)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--log-level", default=None,
                        help="the daemons' [logging] level (default: warning; debug in the restart scenario)")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    log(f"seed {seed} (rerun with --seed {seed})")
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="smsledger-shared-")
    cleanup = []
    try:
        if args.scenario in ("all", "shared"):
            scenario_shared(args, rng, workdir, cleanup)
        if args.scenario in ("all", "restart"):
            scenario_restart(args, rng, workdir, cleanup)
        log(f"done in {time.monotonic() - started:.0f} s")
        return 0
    except Exception as failure:  # a Failure, or anything unexpected (the emulator gone under a SIGTERM...)
        if not isinstance(failure, Failure):
            failure = f"{type(failure).__name__}: {failure}"
        print(f"shared-ledger: FAIL (seed {seed}): {failure}", file=sys.stderr, flush=True)
        for name in sorted(os.listdir(workdir)):
            if name.startswith("daemon-") and name.endswith(".log"):
                with open(os.path.join(workdir, name), encoding="utf-8", errors="replace") as text:
                    lines = [line for line in text if " debug " not in line[:40]]
                print(f"--- {name} (last lines above debug)\n" + "".join(lines[-15:]), file=sys.stderr)
        args.keep = True
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the cleanup runs to its end (timeout's --kill-after aside)
        for step in reversed(cleanup):
            try:
                step()
            except Exception as error:  # keep cleaning up
                print(f"shared-ledger: cleanup: {error}", file=sys.stderr)
        if args.keep:
            print(f"shared-ledger: work directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
