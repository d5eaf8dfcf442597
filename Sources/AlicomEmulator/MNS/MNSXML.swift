/// MNS response bodies in the style recorded from the real service: `<?xml version="1.0" ?>`, a
/// newline, the namespace without a trailing slash, no whitespace between elements, and the
/// recorded element order.
enum MNSXML {
    static let namespace = "http://mns.aliyuncs.com/doc/v1"
    private static let prolog = "<?xml version=\"1.0\" ?>\n"

    static func message(_ message: MessageQueue.Message, damage: MessageDamage = .none) -> String {
        var out = prolog + "<Message xmlns=\"\(namespace)\">"
        appendFields(of: message, damage: damage, to: &out)
        return out + damage.messageEndTag
    }

    /// A BatchReceiveMessage answer. Written into one string sized up front: this runs for every
    /// receive the benchmark's consumers make, and piecewise `+` copied each message's text twice.
    /// `damage` (one per message, or empty for none) writes faults into the answer (``MessageDamage``).
    static func messages(_ messages: [MessageQueue.Message], damage: [MessageDamage] = []) -> String {
        var out = prolog + "<Messages xmlns=\"\(namespace)\">"
        out.reserveCapacity(out.utf8.count + messages.reduce(16) { $0 + $1.body.utf8.count + 520 })
        for (index, message) in messages.enumerated() {
            let written = index < damage.count ? damage[index] : MessageDamage.none
            out += "<Message>"
            appendFields(of: message, damage: written, to: &out)
            out += written.messageEndTag
        }
        return out + "</Messages>"
    }

    private static func appendFields(of m: MessageQueue.Message, damage: MessageDamage, to out: inout String) {
        out += "<MessageId>"; out += m.id
        out += "</MessageId><MessageBodyMD5>"; out += damage.bodyMD5(m.bodyMD5)
        out += "</MessageBodyMD5><MessageBody>"; out += damage.body(XMLText.escape(m.body))
        out += "</MessageBody><ReceiptHandle>"; out += XMLText.escape(m.receiptHandle ?? "")
        out += "</ReceiptHandle><EnqueueTime>"; out += String(m.enqueueTime)
        out += "</EnqueueTime><FirstDequeueTime>"; out += String(m.firstDequeueTime ?? 0)
        out += "</FirstDequeueTime><NextVisibleTime>"; out += String(m.nextVisibleTime)
        out += "</NextVisibleTime><DequeueCount>"; out += String(m.dequeueCount)
        out += "</DequeueCount><Priority>"; out += String(m.priority)
        out += "</Priority>"
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
