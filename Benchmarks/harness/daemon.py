"""`smsledger run` as a child process: its config, its READY=1, and what its ledger committed when."""
import os
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

from emulator import ACCESS_KEY_ID, ACCESS_KEY_SECRET, ACCOUNT_UID


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_config(directory, emulator_endpoint, pollers, batch_size, wait_seconds, http_port=None, push_token=None,
                 metrics=True):
    """Production settings (synchronous=FULL, compensation and the HTTP listener on), pointed at the
    emulator. Only the poller count differs from the defaults: the benchmark asks how fast it can go.
    With `push_token`, `[alibaba_push]` is enabled with that token inline (the daemon warns about an
    inline secret; harmless here); `http_port` is the listener's port (a free one when None);
    `metrics=False` switches `[metrics]` off (metrics_overhead.py compares the two)."""
    store = os.path.join(directory, "ledger.sqlite")
    path = os.path.join(directory, "smsledger.toml")
    with open(path, "w") as f:
        f.write("""[alibaba]
access_key_id = "%(key)s"
access_key_secret = "%(secret)s"
dybaseapi_endpoint = "%(endpoint)s"
dysmsapi_endpoint = "%(endpoint)s"
mns_endpoint = "%(endpoint)s"

[queues]
account_uid = "%(uid)s"

[polling]
wait_seconds = %(wait)d
batch_size = %(batch)d
pollers_per_queue = %(pollers)d

[store]
path = "%(store)s"
synchronous = "full"

[http]
listen = "127.0.0.1:%(http_port)d"

[logging]
level = "warning"
format = "text"
""" % {"key": ACCESS_KEY_ID, "secret": ACCESS_KEY_SECRET, "endpoint": emulator_endpoint, "uid": ACCOUNT_UID,
            "wait": wait_seconds, "batch": batch_size, "pollers": pollers, "store": store,
            "http_port": http_port or free_port()})
        if push_token:
            f.write('\n[alibaba_push]\nenabled = true\ntoken = "%s"\n' % push_token)
        if not metrics:
            f.write('\n[metrics]\nenabled = false\n')
    return path, store


class Daemon:
    """Starts the daemon with NOTIFY_SOCKET pointing at our own datagram socket, as systemd would,
    and times start → READY=1."""

    def __init__(self, binary, config_path, store_path, log_path):
        self.store_path = store_path
        self.socket_path = os.path.join(tempfile.mkdtemp(prefix="smsledger-notify-"), "notify")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.socket_path)
        # SMSLEDGER_* variables are config overrides to the daemon, and it refuses unknown ones
        # (a stray one in the caller's environment would stop it with exit 78).
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SMSLEDGER_")}
        environment["NOTIFY_SOCKET"] = self.socket_path
        self.log = open(log_path, "w")
        started = time.monotonic()
        self.process = subprocess.Popen([binary, "run", "--config", config_path], env=environment,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        self.ready_seconds = self._wait_for("READY=1", started, timeout=30)
        # Keep reading, as systemd does: the daemon sends STATUS=/WATCHDOG=1 every few seconds, and a
        # datagram socket nobody reads fills after 10 messages (net.unix.max_dgram_qlen), after which
        # the daemon's sendmsg blocks one of its threads.
        self.notify.settimeout(0.5)
        threading.Thread(target=self._drain_notifications, daemon=True).start()

    def _drain_notifications(self):
        while True:
            try:
                self.notify.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return

    def _wait_for(self, word, started, timeout):
        self.notify.settimeout(0.2)
        while time.monotonic() - started < timeout:
            try:
                message = self.notify.recv(4096).decode("utf-8", "replace")
            except socket.timeout:
                if self.process.poll() is not None:
                    raise RuntimeError("daemon exited with %d before %s" % (self.process.returncode, word))
                continue
            if word in message.split("\n"):
                return time.monotonic() - started
        raise RuntimeError("no %s from the daemon within %ds" % (word, timeout))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.notify.close()
        self.log.close()
        return self.process.returncode

    def counts(self):
        with sqlite3.connect("file:%s?mode=ro" % self.store_path, uri=True) as ledger:
            return {table: ledger.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
                    for table in ("receipts", "replies", "quarantine")}


class CommitWatcher:
    """Sees rows become visible in the ledger: a reader in WAL mode sees a transaction exactly when it
    has committed, so the time a biz_id first shows up bounds its commit time from above (by the
    polling interval)."""

    def __init__(self, store_path, interval=0.002):
        self.ledger = sqlite3.connect("file:%s?mode=ro" % store_path, uri=True, check_same_thread=False)
        self.interval = interval
        self.last_id = self.ledger.execute("SELECT coalesce(max(id), 0) FROM receipts").fetchone()[0]
        self.seen = {}  # biz_id -> (wall ms when first seen committed, received_at ms from the row)

    def poll_once(self):
        now_ms = time.time() * 1000
        rows = self.ledger.execute("SELECT id, biz_id, received_at FROM receipts WHERE id > ? ORDER BY id",
                                   (self.last_id,)).fetchall()
        for row_id, biz_id, received_at in rows:
            self.seen.setdefault(biz_id, (now_ms, received_at))
            self.last_id = row_id
        return len(rows)

    def run_until(self, stop_event):
        while not stop_event.is_set():
            self.poll_once()
            time.sleep(self.interval)
        self.poll_once()
