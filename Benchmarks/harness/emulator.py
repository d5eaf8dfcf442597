"""The release emulator as a child process, and its unsigned admin interface under /_emulator/."""
import http.client
import json
import os
import re
import select
import signal
import subprocess
import time

ACCESS_KEY_ID = "LTAI5tBenchmarkKeyId"
ACCESS_KEY_SECRET = "BenchmarkSecret0123456789abcdef"
ACCOUNT_UID = "1234567890123456"
REPORT_QUEUE = "Alicom-Queue-%s-SmsReport" % ACCOUNT_UID
UP_QUEUE = "Alicom-Queue-%s-SmsUp" % ACCOUNT_UID
LISTENING = re.compile(r"^emulator listening on (http://127\.0\.0\.1:(\d+))$")


class Emulator:
    def __init__(self, binary):
        # Tokens live an hour so that no phase of a long run has to refresh; a long visibility timeout
        # so that a slow consumer never sees its own in-flight messages come back and double count.
        # The seed fixes the generated messages: two emulators with one seed send the same ones, so a
        # run that reuses a ledger across emulators must change BENCH_EMULATOR_SEED (default 7) or
        # its second drain re-sends what the ledger already holds.
        seed = os.environ.get("BENCH_EMULATOR_SEED") or "7"
        self.process = subprocess.Popen(
            [binary, "emulator", "--listen", "127.0.0.1:0", "--access-key-id", ACCESS_KEY_ID,
             "--access-key-secret", ACCESS_KEY_SECRET, "--account-uid", ACCOUNT_UID,
             "--token-lifetime", "3600", "--visibility-timeout", "120", "--seed", seed],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline().strip() if ready else ""
        match = LISTENING.match(line)
        if not match:
            self.process.kill()
            raise RuntimeError("emulator did not announce itself: %r" % line)
        self.endpoint, self.port = match.group(1), int(match.group(2))
        self.host = "127.0.0.1:%d" % self.port
        self.pid = self.process.pid
        self._admin = http.client.HTTPConnection(self.host, timeout=120)

    def admin(self, method, path, payload=None):
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        try:
            self._admin.request(method, "/_emulator/" + path, body=body,
                                headers={"Content-Type": "application/json"})
            response = self._admin.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self._admin.close()
            self._admin = http.client.HTTPConnection(self.host, timeout=120)
            raise
        if response.status != 200:
            raise RuntimeError("admin %s %s: %d %r" % (method, path, response.status, data[:300]))
        return json.loads(data)

    def preload(self, reports, replies, failure_share=0.1, chunk=20_000):
        """Generated receipts (delivered and failed, ~1% exact duplicates) and replies, in chunks."""
        for queue, count in ((REPORT_QUEUE, reports), (UP_QUEUE, replies)):
            left = count
            while left > 0:
                size = min(chunk, left)
                self.admin("POST", "queues/%s/messages" % queue, {"count": size, "failureShare": failure_share})
                left -= size

    def enqueue_bodies(self, queue, objects):
        """Each object is JSON-encoded and base64'd by the emulator, as Alicom delivers bodies."""
        return self.admin("POST", "queues/%s/messages" % queue, objects)["enqueued"]

    def outstanding(self):
        """Messages visible, in flight or delayed, over both queues."""
        return sum(q["visible"] + q["inFlight"] + q["delayed"] for q in self.admin("GET", "queues"))

    def wait_until_drained(self, timeout, poll=0.1, on_poll=None):
        """Seconds (monotonic) at which both queues were first seen empty; raises on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = self.outstanding()
            if on_poll:
                on_poll(left)
            if left == 0:
                return time.monotonic()
            time.sleep(poll)
        raise RuntimeError("queues not drained after %ds: %d messages left" % (timeout, self.outstanding()))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
