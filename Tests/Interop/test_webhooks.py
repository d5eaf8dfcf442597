"""Our webhooks, verified by the official Standard Webhooks library (PyPI `standardwebhooks`).

A running `smsledger run` drains receipts and replies from the emulator's queues and POSTs each
event to a receiver here, which checks every request with `standardwebhooks.Webhook.verify`, the
code an application integrating SMSLedger would run. A request it cannot verify fails the test;
so does a tampered body or an old timestamp that it *does* accept.
"""
import base64
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, ACCOUNT_UID, REPORT_QUEUE, UP_QUEUE

SECRET = "whsec_" + base64.b64encode(b"interop-webhook-secret-32-bytes!").decode()


class Receiver:
    """An application's webhook endpoint: verifies with the official library, records what came."""

    def __init__(self):
        self.verified = []   # (headers, body, payload)
        self.refused = []    # (headers, body, reason)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k: v for k, v in self.headers.items()}
                try:
                    payload = Webhook(SECRET).verify(body, headers)
                except WebhookVerificationError as error:
                    with receiver.lock:
                        receiver.refused.append((headers, body, str(error)))
                    self.send_response(401)
                else:
                    with receiver.lock:
                        receiver.verified.append((headers, body, payload))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def beijing(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch + 8 * 3600))


def enqueue(emulator, queue, bodies):
    encoded = [base64.b64encode(json.dumps(b, ensure_ascii=False).encode()).decode() for b in bodies]
    assert emulator.admin("POST", "queues/%s/messages" % queue, encoded)["enqueued"] == len(encoded)


@pytest.fixture
def daemon_with_webhooks(fresh):
    receiver = Receiver()
    workdir = tempfile.mkdtemp(prefix="smsledger-webhooks-")
    config = os.path.join(workdir, "smsledger.toml")
    with open(config, "w") as f:
        f.write(f"""[alibaba]
access_key_id = "{ACCESS_KEY_ID}"
access_key_secret_env = "INTEROP_ALIBABA_SECRET"
dybaseapi_endpoint = "{fresh.endpoint}"
dysmsapi_endpoint = "{fresh.endpoint}"
mns_endpoint = "{fresh.endpoint}"
[queues]
account_uid = "{ACCOUNT_UID}"
[polling]
wait_seconds = 1
[store]
path = "{workdir}/ledger.sqlite"
synchronous = "normal"
[compensation]
enabled = false
[http]
enabled = false
[logging]
format = "text"
[webhook_delivery]
poll_interval_ms = 100

[[webhooks]]
name = "app"
url = "http://127.0.0.1:{receiver.port}/sms-events"
secret_env = "INTEROP_WEBHOOK_SECRET"
""")
    env = dict(os.environ, INTEROP_ALIBABA_SECRET=ACCESS_KEY_SECRET, INTEROP_WEBHOOK_SECRET=SECRET)
    env = {k: v for k, v in env.items() if not k.startswith(("NOTIFY_SOCKET", "SMSLEDGER_"))}
    log = open(os.path.join(workdir, "daemon.log"), "w")
    daemon = subprocess.Popen([os.environ["LEDGER_BIN"], "run", "--config", config], stdout=log,
                              stderr=subprocess.STDOUT, env=env)
    try:
        yield fresh, receiver, daemon
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
        receiver.stop()
        log.close()


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_every_request_verifies_with_the_official_library(daemon_with_webhooks):
    emulator, receiver, daemon = daemon_with_webhooks
    now = int(time.time())
    enqueue(emulator, REPORT_QUEUE, [{
        "phone_number": "1390000%04d" % i, "send_time": beijing(now - 60), "report_time": beijing(now - 50),
        "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1",
        "biz_id": "77000%d^0" % i, "out_id": "order-%d" % i} for i in range(5)])
    enqueue(emulator, UP_QUEUE, [{
        "dest_code": "1234", "send_time": beijing(now - 30), "sequence_id": 880000 + i,
        "phone_number": "1370000%04d" % i, "content": "退订"} for i in range(3)])
    # 5 receipts, 5 settled sends, 3 replies.
    assert wait_for(lambda: len(receiver.verified) >= 13), (
        "verified %d, refused %r, daemon exit %r" % (len(receiver.verified), receiver.refused, daemon.poll()))
    assert receiver.refused == []
    payloads = [p for _, _, p in receiver.verified]
    types = sorted(p["type"] for p in payloads)
    assert types == ["sms.receipt"] * 5 + ["sms.reply"] * 3 + ["sms.send.settled"] * 5
    ids = [h["webhook-id"] for h, _, _ in receiver.verified]
    assert len(set(ids)) == 13 and all(i.startswith("evt_") for i in ids)
    reply = next(p for p in payloads if p["type"] == "sms.reply")
    assert reply["data"]["content"] == "退订"
    settled = next(p for p in payloads if p["type"] == "sms.send.settled")
    assert settled["data"]["state"] == "delivered" and settled["data"]["settled_by"] == "receipt"
    assert settled["data"]["out_id"].startswith("order-")

    # What the library must refuse: our signature over other bytes, or an old timestamp.
    headers, body, _ = receiver.verified[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body.replace(b"sms.", b"sms!"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body + b" ", headers)
    old = dict(headers, **{"webhook-timestamp": str(int(headers["webhook-timestamp"]) - 3600)})
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, old)
    other = "whsec_" + base64.b64encode(b"another-secret-another-secret-!!").decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers)
