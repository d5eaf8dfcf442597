"""The official pattern, as Alibaba's SMS receipt demos write it, on the official SDKs.

    python official_consumer.py ENDPOINT KEY_ID SECRET MESSAGE_TYPE QUEUE_NAME DB_PATH

One loop on one queue: QueryTokenForMnsQueue (aliyunsdkcore + aliyunsdkdybaseapi), then forever
receive ONE message (aliyun-mns-sdk), base64-decode its body, insert it into SQLite and commit,
delete it. The SQLite file uses the same durability as SMSLedger (WAL, synchronous=FULL), so the
comparison is about the consume pattern, not about a cheaper store. Runs until killed.
"""
import base64
import json
import sqlite3
import sys
import time

import mns.account
from aliyunsdkcore.client import AcsClient
from aliyunsdkdybaseapi.request.v20170525.QueryTokenForMnsQueueRequest import QueryTokenForMnsQueueRequest
from mns.mns_exception import MNSExceptionBase

WAIT_SECONDS = 5


def fetch_token(endpoint, key_id, secret, message_type, queue_name):
    client = AcsClient(key_id, secret, "cn-hangzhou")
    request = QueryTokenForMnsQueueRequest()
    request.set_MessageType(message_type)
    request.set_QueueName(queue_name)
    request.set_endpoint(endpoint.split("://", 1)[1])
    return json.loads(client.do_action_with_exception(request))["MessageTokenDTO"]


def open_store(path):
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, queue TEXT, message_id TEXT, "
                       "body TEXT, received_at INTEGER)")
    connection.commit()
    return connection


def main():
    endpoint, key_id, secret, message_type, queue_name, db_path = sys.argv[1:7]
    token = fetch_token(endpoint, key_id, secret, message_type, queue_name)
    account = mns.account.Account(endpoint, token["AccessKeyId"], token["AccessKeySecret"], token["SecurityToken"])
    queue = account.get_queue(queue_name)
    queue.set_encoding(False)  # as the demos do: the body stays base64 text and is decoded below
    store = open_store(db_path)
    print("official consumer ready on %s" % queue_name, flush=True)
    while True:
        try:
            message = queue.receive_message(WAIT_SECONDS)
        except MNSExceptionBase as error:
            if getattr(error, "type", "") == "MessageNotExist":
                continue
            print("receive failed: %s" % error, file=sys.stderr, flush=True)
            time.sleep(0.1)
            continue
        body = base64.b64decode(message.message_body).decode("utf-8")
        json.loads(body)  # the demos parse the receipt to act on it
        store.execute("INSERT INTO messages (queue, message_id, body, received_at) VALUES (?, ?, ?, ?)",
                      (queue_name, message.message_id, body, int(time.time() * 1000)))
        store.commit()
        queue.delete_message(message.receipt_handle)


if __name__ == "__main__":
    main()
