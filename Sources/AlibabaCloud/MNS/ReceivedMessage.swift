import Parsers
import Foundation

/// The handle that lets us delete (or hide longer) one received MNS message.
///
/// Valid until the message's `NextVisibleTime`; every receive and every visibility change issues a
/// new one and kills the old one. Kept as the exact text MNS sent: it goes back verbatim.
public struct ReceiptHandle: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The value for a `ReceiptHandle=` query parameter.
    ///
    /// The Python and Java SDKs send handles verbatim (base64 `+`, `/`, `=` included) and sign that
    /// text; MNS verifies over the raw request target, so that works. A handle with a character
    /// that would change the meaning of the URL (`&`, `#`, `%`, space...) is percent-encoded instead,
    /// as the Go SDK does for every handle; either way, what is sent is exactly what is signed.
    var queryValue: String {
        let safe = rawValue.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                true
            default:
                false
            }
        }
        return safe ? rawValue : RPCSignature.percentEncode(rawValue)
    }
}

/// One message as MNS handed it out.
public struct ReceivedMessage: Sendable, Hashable {
    /// Whether `MessageBodyMD5` matched the body we received.
    public enum BodyIntegrity: Sendable, Hashable {
        case verified
        /// The body was damaged on the way (or the answer was tampered with). Such a message must
        /// not be processed; leave it undeleted so MNS delivers it again.
        case mismatch(expected: String, actual: String)
        /// MNS sent no `MessageBodyMD5`.
        case unverified
    }

    public var messageId: String
    public var receiptHandle: ReceiptHandle
    /// `MessageBody` as sent: for Alicom queues base64 of UTF-8 JSON. Decoding is the normaliser's job.
    public var body: String
    public var bodyMD5: String?
    public var integrity: BodyIntegrity
    public var enqueueTime: Date?
    public var nextVisibleTime: Date?
    public var firstDequeueTime: Date?
    /// More than 1 means MNS delivered this message before and nobody deleted it.
    public var dequeueCount: Int?
    public var priority: Int?

    public var isCorrupt: Bool {
        if case .mismatch = integrity { return true }
        return false
    }
}

/// The outcome of one BatchDeleteMessage (or several, for more than 16 handles).
public struct BatchDeleteResult: Sendable, Hashable {
    public struct Failure: Sendable, Hashable {
        public var handle: ReceiptHandle
        public var error: AlibabaError
    }

    public var deleted: [ReceiptHandle]
    public var failed: [Failure]

    public init(deleted: [ReceiptHandle] = [], failed: [Failure] = []) {
        self.deleted = deleted
        self.failed = failed
    }

    public var allDeleted: Bool { failed.isEmpty }

    mutating func merge(_ other: BatchDeleteResult) {
        deleted += other.deleted
        failed += other.failed
    }
}

/// Reading MNS answers. Pure, so every shape is testable with canned XML.
enum MNSDecoding {
    /// `<Messages><Message>…</Message>…</Messages>` or a single `<Message>`.
    static func messages(_ data: Data) throws -> [ReceivedMessage] {
        let root = try parseAnswer(data)
        switch root.name {
        case "Messages": return try root.children(named: "Message").map(message)
        case "Message": return [try message(root)]
        default: throw AlibabaError.malformed("unexpected root element <\(root.name)> in a receive answer")
        }
    }

    static func message(_ element: MNSXMLElement) throws -> ReceivedMessage {
        func required(_ name: String) throws -> String {
            guard let value = element.childText(name).map(trimmed), !value.isEmpty else {
                throw AlibabaError.malformed("a <Message> lacks <\(name)>")
            }
            return value
        }
        let body = element.childText("MessageBody") ?? ""
        let expected = element.childText("MessageBodyMD5").map(trimmed).flatMap { $0.isEmpty ? nil : $0 }
        let integrity: ReceivedMessage.BodyIntegrity
        if let expected {
            let actual = MNSSignature.messageBodyMD5(body)
            integrity = actual.equalsIgnoringASCIICase(expected)
                ? .verified : .mismatch(expected: expected, actual: actual)
        } else {
            integrity = .unverified
        }
        return ReceivedMessage(
            messageId: try required("MessageId"),
            receiptHandle: ReceiptHandle(try required("ReceiptHandle")),
            body: body,
            bodyMD5: expected,
            integrity: integrity,
            enqueueTime: millisecondsDate(element.childText("EnqueueTime")),
            nextVisibleTime: millisecondsDate(element.childText("NextVisibleTime")),
            firstDequeueTime: millisecondsDate(element.childText("FirstDequeueTime")),
            dequeueCount: element.childText("DequeueCount").flatMap { Int(trimmed($0)) },
            priority: element.childText("Priority").flatMap { Int(trimmed($0)) })
    }

    /// `<ChangeVisibility><ReceiptHandle/><NextVisibleTime/></ChangeVisibility>`.
    static func changedVisibility(_ data: Data) throws -> (handle: ReceiptHandle, nextVisibleTime: Date?) {
        let root = try parseAnswer(data)
        guard root.name == "ChangeVisibility",
              let handle = root.childText("ReceiptHandle").map(trimmed), !handle.isEmpty else {
            throw AlibabaError.malformed("ChangeMessageVisibility answer lacks <ReceiptHandle>")
        }
        return (ReceiptHandle(handle), millisecondsDate(root.childText("NextVisibleTime")))
    }

    /// A service error: `<Error><Code/><Message/><RequestId/><HostId/></Error>`; nil if the body is
    /// not one (empty, HTML from a proxy...).
    static func serviceError(_ data: Data) -> (code: String, message: String, requestId: String?)? {
        guard let root = try? MNSXML.parse(data), root.name == "Error",
              let code = root.childText("Code").map(trimmed), !code.isEmpty else { return nil }
        return (code, trimmed(root.childText("Message") ?? ""), root.childText("RequestId").map(trimmed))
    }

    /// BatchDeleteMessage partial failure: `<Errors><Error><ErrorCode/><ErrorMessage/><ReceiptHandle/>…`.
    /// Nil if the body is not an `<Errors>` document.
    static func deleteErrors(_ data: Data) -> [(code: String, message: String, handle: ReceiptHandle)]? {
        guard let root = try? MNSXML.parse(data), root.name == "Errors" else { return nil }
        return root.children(named: "Error").compactMap { error in
            guard let handle = error.childText("ReceiptHandle").map(trimmed), !handle.isEmpty else { return nil }
            return (trimmed(error.childText("ErrorCode") ?? "Unknown"), trimmed(error.childText("ErrorMessage") ?? ""),
                    ReceiptHandle(handle))
        }
    }

    /// The `<ReceiptHandles>` body of BatchDeleteMessage, byte for byte as the Python SDK writes it.
    static func receiptHandlesBody(_ handles: [ReceiptHandle]) -> Data {
        let items = handles.map { "<ReceiptHandle>\(MNSXML.escape($0.rawValue))</ReceiptHandle>" }.joined()
        return Data(("<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<ReceiptHandles xmlns=\"http://mns.aliyuncs.com/doc/v1/\">\(items)</ReceiptHandles>").utf8)
    }

    private static func parseAnswer(_ data: Data) throws -> MNSXMLElement {
        do {
            return try MNSXML.parse(data)
        } catch {
            throw AlibabaError.malformed("unreadable XML (\(data.count) bytes): \(error)")
        }
    }

    /// Identifiers, handles and numbers only; never the body (its text is what the MD5 covers).
    private static func trimmed(_ text: String) -> String {
        text.trimmingWhitespaceAndNewlines()
    }

    private static func millisecondsDate(_ text: String?) -> Date? {
        guard let text, let ms = Int64(trimmed(text)) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(ms) / 1000)
    }
}
