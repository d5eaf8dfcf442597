/// The one list of logging metadata keys used across SMSLedger.
///
/// Every module enriches its logger with these keys instead of spelling strings inline, so that an
/// operator can rely on the same name everywhere: in text logs as `sms.biz_id=…`, and in the journal
/// as the field ``journalFieldName(for:)`` gives (`SMS_BIZ_ID`), which makes
/// `journalctl SMS_BIZ_ID=…` find every line about one send. The keys are plain strings because
/// this module has no dependency on swift-log; `Logger.Metadata` is keyed by `String` anyway.
public enum LogKeys {
    /// The provider's id of a send (Alibaba `biz_id`, TeleSign `reference_id`). Journal: `SMS_BIZ_ID`.
    public static let smsBizId = "sms.biz_id"
    /// The sender's own id (`out_id`). Journal: `SMS_OUT_ID`.
    public static let smsOutId = "sms.out_id"
    /// A recipient's phone number. Masked by the log handlers unless masking is off. Journal: `SMS_PHONE`.
    public static let smsPhone = "sms.phone"
    /// The provider's status code exactly as received (`DELIVERED`, `MK:0001`). Journal: `SMS_STATUS_CODE`.
    public static let smsStatusCode = "sms.status_code"
    /// The MNS queue a poller reads. Journal: `MNS_QUEUE`.
    public static let mnsQueue = "mns.queue"
    /// The MNS `MessageId`. Journal: `MNS_MESSAGE_ID`.
    public static let mnsMessageId = "mns.message_id"
    /// How many times MNS has handed this message out; above 1 means a redelivery. Journal: `MNS_DEQUEUE_COUNT`.
    public static let mnsDequeueCount = "mns.dequeue_count"
    /// The handle needed to delete a received message. Journal: `MNS_RECEIPT_HANDLE`.
    public static let mnsReceiptHandle = "mns.receipt_handle"
    /// An error's description, added by the log handlers when a call attaches an error. Journal: `ERROR`.
    public static let error = "error"
    /// A short machine-readable error category (`auth`, `throttled`, `network`, `decode`). Journal: `ERROR_KIND`.
    public static let errorKind = "error.kind"
    /// The remote service's error code (`MessageNotExist`, `isv.BUSINESS_LIMIT_CONTROL`). Journal: `ERROR_CODE`.
    public static let errorCode = "error.code"
    /// The ledger file the store opened. Journal: `STORE_PATH`.
    public static let storePath = "store.path"
    /// The path of an HTTP request (callback listener or outgoing call). Journal: `HTTP_PATH`.
    public static let httpPath = "http.path"
    /// An HTTP response status code. Journal: `HTTP_STATUS`.
    public static let httpStatus = "http.status"
    /// The id a remote service gave a request (`RequestId`, `x-mns-request-id`). Journal: `REQUEST_ID`.
    public static let requestId = "request_id"
    /// How many items a batch held (messages received, receipts committed). Journal: `BATCH_SIZE`.
    public static let batchSize = "batch.size"
    /// Which poller of a queue (`SmsReport-2`), since several long polls run per queue.
    public static let poller = "poller"
    /// The message type of an Alibaba HTTP push (`SmsReport`, `SmsUp`). Journal: `PUSH_TYPE`.
    public static let pushType = "push.type"
    /// The address an HTTP request came from (`203.0.113.7:51234`). Journal: `HTTP_PEER`.
    public static let httpPeer = "http.peer"
    /// Rows the retention pruner removed in one pass, per table. Journal: `PRUNED_SENDS`, `PRUNED_RECEIPTS`,
    /// `PRUNED_REPLIES`, `PRUNED_QUARANTINE`.
    public static let prunedSends = "pruned.sends"
    public static let prunedReceipts = "pruned.receipts"
    public static let prunedReplies = "pruned.replies"
    public static let prunedQuarantine = "pruned.quarantine"
    /// The longest write transaction of a prune pass, in milliseconds. Journal: `PRUNE_LONGEST_MS`.
    public static let pruneLongestMs = "prune.longest_ms"
    /// The configured name of a webhook endpoint. Journal: `WEBHOOK_ENDPOINT`.
    public static let webhookEndpoint = "webhook.endpoint"
    /// A webhook event's id, the `webhook-id` header (`evt_123`). Journal: `WEBHOOK_ID`.
    public static let webhookId = "webhook.id"
    /// Which attempt of a delivery this was (1 for the first). Journal: `WEBHOOK_ATTEMPT`.
    public static let webhookAttempt = "webhook.attempt"

    /// Every key above; tests check that each maps to a distinct journal field.
    public static let all: [String] = [
        smsBizId, smsOutId, smsPhone, smsStatusCode,
        mnsQueue, mnsMessageId, mnsDequeueCount, mnsReceiptHandle,
        error, errorKind, errorCode, storePath, httpPath, httpStatus, requestId, batchSize, poller,
        pushType, httpPeer, prunedSends, prunedReceipts, prunedReplies, prunedQuarantine, pruneLongestMs,
        webhookEndpoint, webhookId, webhookAttempt,
    ]

    /// Keys whose values identify a person and are masked in logs by default.
    public static let personal: Set<String> = [smsPhone]

    /// Fields that journald or our journal handler already give a meaning to. A metadata key that
    /// would land on one of them (say `message`) is prefixed with `META_` so it cannot overwrite the
    /// line's text or priority.
    public static let reservedJournalFields: Set<String> = [
        "MESSAGE", "MESSAGE_ID", "PRIORITY", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "ERRNO",
        "INVOCATION_ID", "USER_INVOCATION_ID", "SYSLOG_FACILITY", "SYSLOG_IDENTIFIER", "SYSLOG_PID",
        "SYSLOG_TIMESTAMP", "SYSLOG_RAW", "DOCUMENTATION", "TID", "UNIT", "USER_UNIT", "LOGGER",
    ]

    /// The longest field name journald accepts.
    public static let maxJournalFieldLength = 64

    /// Maps any metadata key to a field name journald accepts.
    ///
    /// journald drops a whole entry whose field names break its rules (only `A–Z`, `0–9` and `_`;
    /// not starting with a digit; a leading `_` is reserved for fields journald itself adds; at most
    /// 64 characters), so arbitrary keys must never reach it unmapped. Letters are upper-cased and
    /// every other character becomes `_`: `sms.biz_id` → `SMS_BIZ_ID`, `mns.dequeue_count` →
    /// `MNS_DEQUEUE_COUNT`. Leading underscores are dropped, a leading digit gets an `F_` prefix,
    /// and a key with nothing usable left becomes `METADATA`.
    public static func journalFieldName(for key: String) -> String {
        var name = ""
        name.reserveCapacity(key.utf8.count)
        for scalar in key.unicodeScalars {
            switch scalar {
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(scalar)
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32) ?? "_")
            default: name.append("_")
            }
        }
        name = String(name.drop(while: { $0 == "_" }))
        if name.isEmpty { return "METADATA" }
        if let first = name.first, first.isASCII, first.isNumber { name = "F_" + name }
        if reservedJournalFields.contains(name) { name = "META_" + name }
        return String(name.prefix(maxJournalFieldLength))
    }
}
