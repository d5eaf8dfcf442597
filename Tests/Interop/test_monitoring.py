"""The Grafana dashboard and the Prometheus alert rules in Config/monitoring/ against a running daemon.

Starts `$LEDGER_BIN run` against the emulator, drives receipts, replies and a callback through it,
scrapes GET /metrics, parses the exposition with the Prometheus client's parser, and requires every
smsledger_* metric named by a dashboard query or an alert rule to be one the daemon exports.
"""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, ACCOUNT_UID, REPORT_QUEUE, UP_QUEUE

MONITORING = Path(__file__).resolve().parents[2] / "Config" / "monitoring"
METRIC_NAME = re.compile(r"\bsmsledger_[a-z0-9_]+")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, "", error.read().decode("utf-8")


def dashboard_expressions():
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text(encoding="utf-8"))
    expressions = []
    for panel in dashboard["panels"]:
        expressions += [target["expr"] for target in panel.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        if isinstance(variable.get("query"), str):
            expressions.append(variable["query"])
    return expressions


def alert_rules():
    document = yaml.safe_load((MONITORING / "prometheus-alerts.yml").read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def unknown_metrics(expressions, exported):
    """The smsledger_* names the expressions use that are not among the exported sample names."""
    used = {name for expression in expressions for name in METRIC_NAME.findall(expression)}
    return sorted(used - exported)


@pytest.fixture
def daemon(fresh, tmp_path):
    port = free_port()
    config = tmp_path / "smsledger.toml"
    config.write_text("""
[alibaba]
access_key_id = "%s"
access_key_secret = "%s"
dybaseapi_endpoint = "%s"
dysmsapi_endpoint = "%s"
mns_endpoint = "%s"
[queues]
account_uid = "%s"
[polling]
wait_seconds = 1
[store]
path = "%s"
[http]
listen = "127.0.0.1:%d"
[logging]
level = "warning"
format = "text"
# Nothing listens on port 9: deliveries only fail, and the webhook metrics exist per endpoint.
[[webhooks]]
name = "orders"
url = "http://127.0.0.1:9/hooks"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
""" % (ACCESS_KEY_ID, ACCESS_KEY_SECRET, fresh.endpoint, fresh.endpoint, fresh.endpoint, ACCOUNT_UID,
       tmp_path / "ledger.sqlite", port))
    process = subprocess.Popen([os.environ["LEDGER_BIN"], "run", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, "the daemon exited: %s" % process.stderr.read()
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0


def scrape_after_traffic(emulator, port):
    reports = [{"phone_number": "1380013%04d" % i, "send_time": "2026-11-20 10:00:00",
                "report_time": "2026-11-20 10:00:05", "success": i % 4 != 0,
                "err_code": "DELIVERED" if i % 4 else "MK:0001", "err_msg": "用户接收成功",
                "sms_size": "1", "biz_id": "9000%d^0" % i, "out_id": "o%d" % i} for i in range(20)]
    emulator.admin("POST", "queues/%s/messages" % REPORT_QUEUE, reports)
    emulator.admin("POST", "queues/%s/messages" % UP_QUEUE, [{
        "dest_code": "1234", "send_time": "2026-11-20 10:01:00", "sequence_id": 1,
        "phone_number": "13800138000", "content": "TD"}])
    # Unsigned, and no telesign.api_key configured: refused with 503, counted as a callback outcome.
    request = urllib.request.Request("http://127.0.0.1:%d/callbacks/telesign" % port, data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=10)
    deadline = time.monotonic() + 60
    text = ""
    while time.monotonic() < deadline:
        status, content_type, text = get(port, "/metrics")
        assert status == 200
        assert content_type.startswith("text/plain; version=0.0.4")
        if 'smsledger_messages_stored_total{queue="SmsReport",channel="mns"} 20' in text \
                and 'smsledger_sends{state="delivered"} 15' in text:
            return text
        time.sleep(0.5)
    pytest.fail("the daemon's /metrics never showed the 20 receipts stored:\n%s" % text)


def test_every_metric_the_dashboard_and_the_alert_rules_name_is_exported(daemon, fresh):
    text = scrape_after_traffic(fresh, daemon)
    families = list(text_string_to_metric_families(text))
    exported = {sample.name for family in families for sample in family.samples}
    assert {"smsledger_messages_received_total", "smsledger_commit_duration_seconds_bucket",
            "smsledger_rpc_requests_total", "smsledger_callbacks_total"} <= exported
    assert unknown_metrics(dashboard_expressions(), exported) == []
    assert unknown_metrics([rule["expr"] for rule in alert_rules()], exported) == []


def test_the_check_fails_for_a_metric_the_daemon_does_not_export():
    exported = {"smsledger_queue_silent"}
    assert unknown_metrics(["max(smsledger_queue_silent) == 1", "rate(smsledger_no_such_total[5m]) > 0"],
                           exported) == ["smsledger_no_such_total"]


def test_the_dashboard_is_grafana_json_with_a_query_in_every_panel():
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text(encoding="utf-8"))
    assert dashboard["uid"] == "smsledger"
    graphs = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    assert graphs and all(panel["targets"] and all(t["expr"] for t in panel["targets"]) for panel in graphs)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_every_alert_names_its_severity_and_says_what_to_do():
    rules = alert_rules()
    assert {"SMSLedgerReceiptQueueSilent", "SMSLedgerReceiptsFailingToStore", "SMSLedgerCompensationBacklogGrowing",
            "SMSLedgerListenerRefusingConnections"} <= {rule["alert"] for rule in rules}
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
        assert METRIC_NAME.search(rule["expr"]), rule["alert"]
