"""The least a client can do to talk to Alicom's MNS queues: RPC v1 signing for the queue token and
MNS signing for receive / batch delete, over keep-alive HTTP/1.1, stdlib only.

Used by the protocol-ceiling consumer (no store, no SDK overhead) and by the harness to fetch tokens.
Parsing is a regex over the XML on purpose: the ceiling measures what the emulator and the protocol
allow, so the client must cost as little as possible.
"""
import base64
import datetime
import email.utils
import hashlib
import hmac
import http.client
import json
import re
import urllib.parse
import uuid

MNS_VERSION = "2015-06-06"
RECEIPT_HANDLE = re.compile(rb"<ReceiptHandle>([^<]+)</ReceiptHandle>")


def _percent(value):
    """RFC 3986 encoding as Alibaba's RPC v1 signature wants it ('~' kept, space as %20)."""
    return urllib.parse.quote(str(value), safe="~")


def fetch_queue_token(host, access_key_id, secret, message_type, queue_name):
    """QueryTokenForMnsQueue (Dybaseapi, RPC v1, HMAC-SHA1): the temporary key for one queue."""
    params = {
        "AccessKeyId": access_key_id, "Action": "QueryTokenForMnsQueue", "Format": "JSON",
        "MessageType": message_type, "QueueName": queue_name, "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
        "Timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    canonical = "&".join("%s=%s" % (_percent(k), _percent(v)) for k, v in sorted(params.items()))
    string_to_sign = "GET&%2F&" + _percent(canonical)
    signature = base64.b64encode(hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest())
    query = canonical + "&Signature=" + _percent(signature.decode())
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.request("GET", "/?" + query)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError("QueryTokenForMnsQueue failed: %d %r" % (response.status, body[:300]))
    return json.loads(body)["MessageTokenDTO"]


class RawQueue:
    """One keep-alive connection to one queue with one temporary key."""

    def __init__(self, host, queue_name, token):
        self.host = host
        self.queue = queue_name
        self.key_id = token["AccessKeyId"]
        self.secret = token["AccessKeySecret"].encode()
        self.security_token = token["SecurityToken"]
        self.connection = http.client.HTTPConnection(host, timeout=60)
        self._date_second = None
        self._date = ""

    def _now(self):
        # formatdate is costly enough to show at tens of thousands of requests; one per second suffices.
        second = int(datetime.datetime.now().timestamp())
        if second != self._date_second:
            self._date_second, self._date = second, email.utils.formatdate(second, usegmt=True)
        return self._date

    def _request(self, method, resource, body=None):
        date = self._now()
        content_type = "text/xml;charset=UTF-8" if body is not None else ""
        string_to_sign = "%s\n\n%s\n%s\nx-mns-version:%s\n%s" % (method, content_type, date, MNS_VERSION, resource)
        signature = base64.b64encode(hmac.new(self.secret, string_to_sign.encode(), hashlib.sha1).digest()).decode()
        headers = {"Date": date, "x-mns-version": MNS_VERSION, "security-token": self.security_token,
                   "Authorization": "MNS %s:%s" % (self.key_id, signature)}
        if body is not None:
            headers["Content-Type"] = content_type
        self.connection.request(method, resource, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def batch_receive(self, count, wait_seconds):
        """Receipt handles of up to `count` messages; [] when the queue stayed empty."""
        status, body = self._request("GET", "/queues/%s/messages?numOfMessages=%d&waitseconds=%d"
                                     % (self.queue, count, wait_seconds))
        if status == 404 and b"MessageNotExist" in body:
            return []
        if status != 200:
            raise RuntimeError("BatchReceiveMessage failed: %d %r" % (status, body[:300]))
        return [m.decode() for m in RECEIPT_HANDLE.findall(body)]

    def batch_delete(self, handles):
        body = ('<?xml version="1.0" encoding="UTF-8"?><ReceiptHandles xmlns="http://mns.aliyuncs.com/doc/v1/">'
                + "".join("<ReceiptHandle>%s</ReceiptHandle>" % h for h in handles) + "</ReceiptHandles>").encode()
        status, answer = self._request("DELETE", "/queues/%s/messages" % self.queue, body)
        if status != 204:
            raise RuntimeError("BatchDeleteMessage failed: %d %r" % (status, answer[:300]))
