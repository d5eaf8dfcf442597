/// MNS response bodies in the style recorded from the real service: `<?xml version="1.0" ?>`, a
/// newline, the namespace without a trailing slash, no whitespace between elements, and the
/// recorded element order.
enum MNSXML {
    static let namespace = "http://mns.aliyuncs.com/doc/v1"
    private static let prolog = "<?xml version=\"1.0\" ?>\n"

    static func message(_ message: MessageQueue.Message) -> String {
        prolog + "<Message xmlns=\"\(namespace)\">" + messageFields(message) + "</Message>"
    }

    static func messages(_ messages: [MessageQueue.Message]) -> String {
        var out = prolog + "<Messages xmlns=\"\(namespace)\">"
        for message in messages { out += "<Message>" + messageFields(message) + "</Message>" }
        return out + "</Messages>"
    }

    private static func messageFields(_ m: MessageQueue.Message) -> String {
        "<MessageId>\(m.id)</MessageId><MessageBodyMD5>\(m.bodyMD5)</MessageBodyMD5>"
            + "<MessageBody>\(XMLText.escape(m.body))</MessageBody>"
            + "<ReceiptHandle>\(XMLText.escape(m.receiptHandle ?? ""))</ReceiptHandle>"
            + "<EnqueueTime>\(m.enqueueTime)</EnqueueTime><FirstDequeueTime>\(m.firstDequeueTime ?? 0)</FirstDequeueTime>"
            + "<NextVisibleTime>\(m.nextVisibleTime)</NextVisibleTime><DequeueCount>\(m.dequeueCount)</DequeueCount>"
            + "<Priority>\(m.priority)</Priority>"
    }

    static func sent(_ message: MessageQueue.Message) -> String {
        prolog + "<Message xmlns=\"\(namespace)\"><MessageId>\(message.id)</MessageId>"
            + "<MessageBodyMD5>\(message.bodyMD5)</MessageBodyMD5></Message>"
    }

    static func sentBatch(_ messages: [MessageQueue.Message]) -> String {
        var out = prolog + "<Messages xmlns=\"\(namespace)\">"
        for message in messages {
            out += "<Message><MessageId>\(message.id)</MessageId><MessageBodyMD5>\(message.bodyMD5)</MessageBodyMD5></Message>"
        }
        return out + "</Messages>"
    }

    static func changedVisibility(_ message: MessageQueue.Message) -> String {
        prolog + "<ChangeVisibility xmlns=\"\(namespace)\">"
            + "<ReceiptHandle>\(XMLText.escape(message.receiptHandle ?? ""))</ReceiptHandle>"
            + "<NextVisibleTime>\(message.nextVisibleTime)</NextVisibleTime></ChangeVisibility>"
    }

    static func error(code: String, message: String, requestId: String, hostId: String) -> String {
        prolog + "<Error xmlns=\"\(namespace)\"><Code>\(code)</Code><Message>\(XMLText.escape(message))</Message>"
            + "<RequestId>\(requestId)</RequestId><HostId>\(XMLText.escape(hostId))</HostId></Error>"
    }

    /// BatchDeleteMessage partial failure: only the failed handles, with `ErrorCode`/`ErrorMessage`.
    static func deleteErrors(_ failures: [(handle: String, code: String, message: String)]) -> String {
        var out = prolog + "<Errors xmlns=\"\(namespace)\">"
        for failure in failures {
            out += "<Error><ErrorCode>\(failure.code)</ErrorCode><ErrorMessage>\(XMLText.escape(failure.message))"
                + "</ErrorMessage><ReceiptHandle>\(XMLText.escape(failure.handle))</ReceiptHandle></Error>"
        }
        return out + "</Errors>"
    }
}
