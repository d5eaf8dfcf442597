"""The official Alibaba Cloud Python SDKs, unmodified, against `smsledger emulator`.

If these pass, the emulator signs, answers and encodes the way the SDKs expect, so our own Swift
client tested against the emulator is tested against the SDKs' idea of the service.
"""
import base64
import datetime
import json
import time

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkdybaseapi.request.v20170525.QueryTokenForMnsQueueRequest import QueryTokenForMnsQueueRequest
from aliyunsdkdysmsapi.request.v20170525.QuerySendDetailsRequest import QuerySendDetailsRequest
from aliyunsdkdysmsapi.request.v20170525.SendSmsRequest import SendSmsRequest
import aliyunsdkdybaseapi.mns.account as bundled_mns
import mns.account
from mns.mns_exception import MNSServerException
from mns.queue import Message

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REPORT_QUEUE, UP_QUEUE


def rpc(emulator, request, secret=ACCESS_KEY_SECRET):
    client = AcsClient(ACCESS_KEY_ID, secret, "cn-hangzhou", auto_retry=False)
    request.set_endpoint(emulator.host)
    return json.loads(client.do_action_with_exception(request).decode("utf-8"))


def fetch_token(emulator, message_type="SmsReport", queue=REPORT_QUEUE):
    request = QueryTokenForMnsQueueRequest()
    request.set_MessageType(message_type)
    request.set_QueueName(queue)
    return rpc(emulator, request)["MessageTokenDTO"]


def mns_queue(emulator, token, queue=REPORT_QUEUE):
    account = mns.account.Account(emulator.endpoint, token["AccessKeyId"], token["AccessKeySecret"],
                                  token["SecurityToken"])
    return account.get_queue(queue)


def test_query_token_for_mns_queue_issues_sts_credentials_in_beijing_time(fresh):
    token = fetch_token(fresh)
    assert token["AccessKeyId"].startswith("STS.")
    assert token["AccessKeySecret"] and token["SecurityToken"]
    created = datetime.datetime.strptime(token["CreateTime"], "%Y-%m-%d %H:%M:%S")
    expires = datetime.datetime.strptime(token["ExpireTime"], "%Y-%m-%d %H:%M:%S")
    assert expires - created == datetime.timedelta(seconds=600)
    beijing_now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(hours=8)
    assert abs((created - beijing_now).total_seconds()) < 120


def test_mns_sdk_sends_receives_changes_visibility_and_deletes_with_sts_token(fresh):
    queue = mns_queue(fresh, fetch_token(fresh))
    sent = queue.send_message(Message("receipt one"))
    queue.batch_send_message([Message("receipt two"), Message("receipt three")])
    received = queue.batch_receive_message(16, 1)
    # The SDK base64-encodes on send and decodes on receive (its default), so bodies round-trip.
    assert sorted(m.message_body for m in received) == [b"receipt one", b"receipt three", b"receipt two"]
    first = next(m for m in received if m.message_id == sent.message_id)
    assert first.dequeue_count == 1 and first.message_body_md5 == sent.message_body_md5

    changed = queue.change_message_visibility(first.receipt_handle, 5)
    assert changed.receipt_handle != first.receipt_handle
    with pytest.raises(MNSServerException) as stale:
        queue.delete_message(first.receipt_handle)
    assert stale.value.type == "MessageNotExist"
    queue.delete_message(changed.receipt_handle)

    others = [m.receipt_handle for m in received if m.message_id != sent.message_id]
    queue.batch_delete_message(others)
    assert fresh.depth(REPORT_QUEUE) == {"name": REPORT_QUEUE, "visible": 0, "inFlight": 0, "delayed": 0}


def test_mns_sdk_single_receive_long_polls_then_reports_message_not_exist(fresh):
    queue = mns_queue(fresh, fetch_token(fresh))
    started = time.monotonic()
    with pytest.raises(MNSServerException) as empty:
        queue.receive_message(1)
    assert empty.value.type == "MessageNotExist"
    assert time.monotonic() - started >= 0.9


def test_mns_batch_delete_reports_only_the_failed_handles(fresh):
    queue = mns_queue(fresh, fetch_token(fresh))
    queue.batch_send_message([Message("a"), Message("b")])
    handles = [m.receipt_handle for m in queue.batch_receive_message(16, 1)]
    queue.delete_message(handles[0])
    with pytest.raises(MNSServerException) as partial:
        queue.batch_delete_message(handles)
    assert [error["ReceiptHandle"] for error in partial.value.sub_errors] == [handles[0]]


def test_bundled_dybaseapi_mns_client_receives_decoded_smsup_with_absolute_form_targets(fresh):
    reply = {"dest_code": "1234", "send_time": "2024-03-05 14:09:30", "sequence_id": 1234567890,
             "phone_number": "13800138000", "content": "退订"}
    fresh.admin("POST", "queues/%s/messages" % UP_QUEUE, [reply])
    token = fetch_token(fresh, "SmsUp", UP_QUEUE)
    account = bundled_mns.Account(fresh.endpoint, token["AccessKeyId"], token["AccessKeySecret"],
                                  token["SecurityToken"])
    queue = account.get_queue(UP_QUEUE)
    messages = queue.batch_receive_message(10, 3)
    assert [json.loads(m.message_body) for m in messages] == [reply]
    queue.batch_delete_message([m.receipt_handle for m in messages])
    assert fresh.depth(UP_QUEUE)["inFlight"] == 0


def test_token_for_one_queue_is_refused_on_the_other(fresh):
    queue = mns_queue(fresh, fetch_token(fresh, "SmsUp", UP_QUEUE), REPORT_QUEUE)
    with pytest.raises(MNSServerException) as denied:
        queue.batch_receive_message(16, 0)
    assert denied.value.type == "AccessDeniedByRamPolicy"


def test_expired_token_is_refused_by_mns(fresh):
    queue = mns_queue(fresh, fetch_token(fresh))
    fresh.admin("POST", "tokens/expire")
    with pytest.raises(MNSServerException) as expired:
        queue.batch_receive_message(16, 0)
    assert expired.value.type == "InvalidAccessKeyId"


def test_send_sms_then_receipt_arrives_and_query_send_details_agrees(fresh):
    send = SendSmsRequest()
    send.set_PhoneNumbers("13800138000")
    send.set_SignName("阿里云短信测试")
    send.set_TemplateCode("SMS_154950909")
    send.set_TemplateParam('{"code":"1234"}')
    send.set_OutId("order-42")
    answer = rpc(fresh, send)
    assert answer["Code"] == "OK" and answer["BizId"].endswith("^0")

    queue = mns_queue(fresh, fetch_token(fresh))
    queue.set_encoding(False)  # keep MessageBody as sent: base64 text, as Alicom delivers it
    messages = queue.batch_receive_message(16, 5)
    report = json.loads(base64.b64decode(messages[0].message_body))
    assert list(report) == ["phone_number", "send_time", "report_time", "success", "err_code", "err_msg",
                            "sms_size", "biz_id", "out_id"]
    assert (report["biz_id"], report["success"], report["out_id"]) == (answer["BizId"], True, "order-42")

    query = QuerySendDetailsRequest()
    query.set_PhoneNumber("13800138000")
    query.set_BizId(answer["BizId"])
    query.set_SendDate(report["send_time"][:10].replace("-", ""))
    query.set_PageSize(50)
    query.set_CurrentPage(1)
    details = rpc(fresh, query)
    assert details["TotalCount"] == "1"
    [detail] = details["SmsSendDetailDTOs"]["SmsSendDetailDTO"]
    assert (detail["SendStatus"], detail["ErrCode"], detail["OutId"]) == (3, "DELIVERED", "order-42")


def test_wrong_secret_is_rejected_with_the_server_string_to_sign(fresh):
    request = QueryTokenForMnsQueueRequest()
    request.set_MessageType("SmsReport")
    with pytest.raises(ServerException) as rejected:
        rpc(fresh, request, secret="not-the-secret")
    # aliyunsdkcore turns SignatureDoesNotMatch into InvalidAccessKeySecret only when the server's
    # string-to-sign equals its own: proof that both sides canonicalised the request identically.
    assert (rejected.value.get_http_status(), rejected.value.get_error_code()) == (400, "InvalidAccessKeySecret")


def test_wrong_secret_is_rejected_by_mns(fresh):
    token = fetch_token(fresh)
    token["AccessKeySecret"] = "wrong"
    with pytest.raises(MNSServerException) as rejected:
        mns_queue(fresh, token).batch_receive_message(16, 0)
    assert rejected.value.type == "SignatureDoesNotMatch"
