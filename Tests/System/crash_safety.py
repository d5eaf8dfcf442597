#!/usr/bin/env python3
"""Crash safety of `smsledger run`: kill -9 at random moments, restart, repeat; nothing lost or doubled.

Why a process-level test: the in-process daemon tests stop the daemon politely. Only a real
SIGKILL shows that the commit-then-delete order holds when the process vanishes between any two
instructions: a message received but not committed must come back after the visibility timeout
and be stored; a message committed but not deleted must come back and be recognised as a
duplicate by its dedupe key; a half-written SQLite transaction must roll back on the next open.

Steps (Python 3 standard library only, loopback only):
 1. start `smsledger emulator` with a short visibility timeout;
 2. enqueue distinct SmsReport bodies (own biz_id and phone each) and SmsUp bodies (own
    sequence_id each), plus some exact duplicates of both, shuffled, through the admin API;
 3. KILLS times: start `smsledger run`, wait a random 0.2-1.5 s, SIGKILL it;
 4. start it once more, wait until both queues are empty (visible, in flight and delayed), SIGTERM
    it and expect exit 0;
 5. read the ledger with sqlite3 and compare it with what was enqueued, row by row.

Usage: crash_safety.py BINARY [--kills N] [--reports N] [--replies N] [--duplicates N] [--seed N]
                       [--drain-timeout SECONDS] [--keep]
A failure prints the seed, the daemon's log tail and keeps the work directory (ledger, logs).
"""

import argparse
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree from importing our sibling module
from alicom_queues import (ACCOUNT_UID, Emulator, Failure, check_ledger_rows, check_queues_empty, enqueue_mixture,
                           make_replies, make_reports)

KEY_ID = "LTAI5tCrashSafetyKey"
SECRET = "CrashSafetySecret0123456789abcd"
# Short, so that messages a killed daemon had received come back within the run.
VISIBILITY_TIMEOUT = 3


def log(message):
    print(f"crash-safety: {message}", flush=True)


class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET, so the test knows when a daemon is
    ready (READY=1) and that it announced its shutdown (STOPPING=1), as a service manager would."""

    def __init__(self, path):
        self.path = path
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(path)

    def drain(self):
        """Every message queued so far, without waiting."""
        messages = []
        self.socket.setblocking(False)
        try:
            while True:
                messages.append(self.socket.recv(4096).decode("utf-8", "replace"))
        except BlockingIOError:
            pass
        return messages

    def wait_for(self, line, timeout, alive=lambda: True):
        """Waits for a message holding `line` (e.g. READY=1); False when time runs out or `alive` fails."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and alive():
            self.socket.settimeout(0.2)
            try:
                if line in self.socket.recv(4096).decode("utf-8", "replace").split("\n"):
                    return True
            except socket.timeout:
                pass
        return False

    def close(self):
        self.socket.close()


def write_config(path, port_base, store, secret_file):
    with open(secret_file, "w") as secret:
        secret.write(SECRET)
    os.chmod(secret_file, 0o600)
    with open(path, "w") as config:
        config.write(f"""[alibaba]
access_key_id = "{KEY_ID}"
access_key_secret_file = "{secret_file}"
dybaseapi_endpoint = "{port_base}"
dysmsapi_endpoint = "{port_base}"
mns_endpoint = "{port_base}"
request_timeout_seconds = 5

[queues]
account_uid = "{ACCOUNT_UID}"

[polling]
wait_seconds = 1
batch_size = 5
pollers_per_queue = 2
max_backoff_seconds = 1

[store]
path = "{store}"

[compensation]
enabled = false

[http]
enabled = false

[logging]
level = "warning"
format = "text"
""")


def start_daemon(binary, config, log_file, notify_path):
    # Nothing may leak in from a surrounding service manager or shell: our own NOTIFY_SOCKET only.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_SOCKET", "SMSLEDGER_", "WATCHDOG_"))}
    env["NOTIFY_SOCKET"] = notify_path
    return subprocess.Popen([binary, "run", "--config", config], stdout=log_file, stderr=subprocess.STDOUT,
                            env=env, start_new_session=True)


def stored_counts(store):
    if not os.path.exists(store):
        return (0, 0)
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            return (db.execute("SELECT count(*) FROM receipts").fetchone()[0],
                    db.execute("SELECT count(*) FROM replies").fetchone()[0])
    except sqlite3.Error:
        return ("?", "?")  # killed before the schema was created


def final_run(binary, config, daemon_log, notify, drained):
    """Starts the daemon once more, waits for READY=1, lets `drained(alive)` wait until its work is
    done, then SIGTERMs it and expects exit 0 and STOPPING=1, as systemd would see a clean stop.
    Returns None; raises Failure otherwise. Kills the daemon if anything goes wrong on the way."""
    daemon_log.write("--- final start (drain, then SIGTERM)\n")
    daemon_log.flush()
    notify.drain()
    daemon = start_daemon(binary, config, daemon_log, notify.path)
    try:
        # SIGTERM only once the daemon said READY=1: before that it may not handle signals yet.
        if not notify.wait_for("READY=1", 30, alive=lambda: daemon.poll() is None):
            raise Failure(f"no READY=1 from the final daemon within 30 s (exit code {daemon.poll()})")
        drained(lambda: daemon.poll() is None)
        daemon.send_signal(signal.SIGTERM)
        try:
            code = daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise Failure("the daemon did not exit within 30 s of SIGTERM")
        if code != 0:
            raise Failure(f"the daemon exited with {code} after SIGTERM, expected 0; see {daemon_log.name}")
        if "STOPPING=1" not in "\n".join(notify.drain()).split("\n"):
            raise Failure("the daemon stopped without sending STOPPING=1")
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def report_failure(name, failure, daemon_log):
    """Prints the failure and the tail of the daemon's log (the work directory is kept)."""
    print(f"{name}: FAIL: {failure}", file=sys.stderr, flush=True)
    daemon_log.flush()
    with open(daemon_log.name) as text:
        print("--- daemon log (tail)\n" + "".join(text.readlines()[-30:]), file=sys.stderr)


def clean_up(name, daemon, emulator, notify, daemon_log, workdir, keep):
    """Kills what still runs, stops the emulator and removes the work directory unless kept."""
    if daemon is not None and daemon.poll() is None:
        daemon.kill()
        daemon.wait()
    if emulator is not None:
        emulator.stop()
    notify.close()
    daemon_log.close()
    if keep:
        print(f"{name}: work directory kept: {workdir}", file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def verify(store, reports, replies, emulator):
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        expect(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "PRAGMA integrity_check is not ok")
        for table in ("receipts", "replies"):
            doubled = db.execute(f"SELECT dedupe_key, count(*) FROM {table} GROUP BY dedupe_key HAVING count(*) > 1"
                                 ).fetchall()
            expect(not doubled, f"{table}: dedupe keys stored more than once: {doubled[:5]}")
        check_ledger_rows(
            expect,
            db.execute("SELECT biz_id, phone_number, state, source, CAST(raw_body AS TEXT) FROM receipts").fetchall(),
            db.execute("SELECT sequence_id, phone_number, CAST(raw_body AS TEXT) FROM replies").fetchall(),
            reports, replies, lambda sources: len(sources) <= 1)

        quarantined = db.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        expect(quarantined == 0, f"quarantine holds {quarantined} entries, expected none")

    check_queues_empty(expect, emulator)
    return failures


def main():
    # SIGTERM (a CI timeout, the runner's trap) must still reach the `finally` that kills our children.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("binary")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--duplicates", type=int, default=50, help="exact duplicate bodies per queue")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--drain-timeout", type=float, default=90)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    log(f"seed {seed} (rerun with --seed {seed})")
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="smsledger-crash-")
    store = os.path.join(workdir, "ledger.sqlite")
    config = os.path.join(workdir, "smsledger.toml")
    daemon_log = open(os.path.join(workdir, "daemon.log"), "w")
    emulator = None
    daemon = None
    notify = NotifySocket(os.path.join(workdir, "notify.sock"))
    try:
        emulator = Emulator.start(args.binary, os.path.join(workdir, "emulator.log"), KEY_ID, SECRET,
                                  VISIBILITY_TIMEOUT)
        write_config(config, emulator.base, store, os.path.join(workdir, "alibaba.secret"))

        now = int(time.time())
        reports = make_reports(args.reports, rng, now)
        replies = make_replies(args.replies, rng, now)
        report_count, reply_count = enqueue_mixture(emulator, rng, reports, replies, args.duplicates)
        log(f"enqueued {report_count} SmsReport and {reply_count} SmsUp bodies "
            f"({args.duplicates} exact duplicates each) at {emulator.base}")

        mid_run_kills = 0
        for kill in range(1, args.kills + 1):
            daemon_log.write(f"--- start {kill} (to be killed)\n")
            daemon_log.flush()
            notify.drain()
            daemon = start_daemon(args.binary, config, daemon_log, notify.path)
            delay = rng.uniform(0.2, 1.5)
            time.sleep(delay)
            if daemon.poll() is not None:
                raise Failure(f"the daemon exited on its own with {daemon.returncode} before kill {kill}; "
                              f"see {daemon_log.name}")
            os.kill(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=10)
            daemon = None
            phase = "running" if "READY=1" in "\n".join(notify.drain()).split("\n") else "starting up"
            receipts, stored_replies = stored_counts(store)
            pending = emulator.pending()
            if receipts == "?" or receipts + stored_replies < len(reports) + len(replies):
                mid_run_kills += 1  # the ledger was still incomplete: this kill hit real work
            log(f"kill -9 #{kill} after {delay:.2f} s ({phase}): ledger has {receipts} receipts, {stored_replies} replies; "
                f"{pending} messages not yet deleted")

        final_run(args.binary, config, daemon_log, notify,
                  lambda alive: emulator.wait_drained(args.drain_timeout, alive=alive))

        failures = verify(store, reports, replies, emulator)
        if failures:
            raise Failure("the ledger does not match what was enqueued:\n  " + "\n  ".join(failures))
        if mid_run_kills < args.kills:
            # Not a failure (the daemon's speed is not under test), but fewer kills hit real work.
            log(f"note: only {mid_run_kills} of {args.kills} kills found the ledger incomplete; "
                "raise --reports/--replies if the daemon got faster")
        log(f"done in {time.monotonic() - started:.0f} s")
        print(f"crash safety: {args.kills} kills, {len(reports)} reports + {len(replies)} replies stored exactly once "
              f"({args.duplicates} exact duplicates per queue absorbed), queues empty, quarantine empty", flush=True)
        return 0
    except Failure as failure:
        report_failure("crash-safety", failure, daemon_log)
        args.keep = True
        return 1
    finally:
        clean_up("crash-safety", daemon, emulator, notify, daemon_log, workdir, args.keep)


if __name__ == "__main__":
    sys.exit(main())
