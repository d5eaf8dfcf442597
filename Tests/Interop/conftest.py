"""Starts `$LEDGER_BIN emulator` once per session and hands the tests its endpoint.

Run:  LEDGER_BIN=/path/to/smsledger python -m pytest Tests/Interop
"""
import json
import os
import re
import select
import signal
import subprocess
import urllib.request

import pytest

ACCESS_KEY_ID = "LTAI5tInteropKeyId"
ACCESS_KEY_SECRET = "InteropSecretKey0123456789abcd"
ACCOUNT_UID = "1234567890123456"
REPORT_QUEUE = "Alicom-Queue-%s-SmsReport" % ACCOUNT_UID
UP_QUEUE = "Alicom-Queue-%s-SmsUp" % ACCOUNT_UID
LISTENING = re.compile(r"^emulator listening on (http://127\.0\.0\.1:(\d+))$")


class Emulator:
    def __init__(self, endpoint, port):
        self.endpoint = endpoint
        self.port = port
        self.host = "127.0.0.1:%d" % port

    def admin(self, method, path, payload=None):
        """Calls the unsigned admin interface under /_emulator/ and returns the decoded JSON."""
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(self.endpoint + "/_emulator/" + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read().decode("utf-8"))

    def depth(self, queue):
        return next(q for q in self.admin("GET", "queues") if q["name"] == queue)


@pytest.fixture(scope="session")
def emulator():
    binary = os.environ.get("LEDGER_BIN")
    if not binary:
        pytest.fail("set LEDGER_BIN to the smsledger executable (e.g. .build/debug/smsledger)")
    process = subprocess.Popen(
        [binary, "emulator", "--listen", "127.0.0.1:0",
         "--access-key-id", ACCESS_KEY_ID, "--access-key-secret", ACCESS_KEY_SECRET,
         "--account-uid", ACCOUNT_UID, "--receipt-delay", "1", "--failure-share", "0", "--seed", "7"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline().strip() if ready else ""
        match = LISTENING.match(line)
        if not match:
            process.kill()
            pytest.fail("emulator did not announce itself: %r / stderr %r" % (line, process.stderr.read()))
        yield Emulator(match.group(1), int(match.group(2)))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                raise AssertionError("emulator ignored SIGTERM")
            assert code == 0, "emulator exited with %d after SIGTERM" % code


@pytest.fixture
def fresh(emulator):
    """An emulator with empty queues, no sends and no faults."""
    emulator.admin("POST", "reset")
    return emulator
