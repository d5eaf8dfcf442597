import Foundation
import Parsers

/// The kinds of news SMSLedger hands to an application, one JSON shape each (README, "Webhooks").
public enum WebhookEventType: String, Sendable, CaseIterable, Hashable {
    /// Every distinct delivery report, intermediate or final, from any channel.
    case receipt = "sms.receipt"
    /// A send reached a final state, by whatever path: a receipt, a callback, compensation, or closed
    /// as `unknown` at the end of the compensation window.
    case sendSettled = "sms.send.settled"
    /// A reply from a phone (SmsUp).
    case reply = "sms.reply"
    /// A body that could not be read was kept in quarantine.
    case quarantined = "sms.quarantined"
}

/// One event as the ledger writer stores it in the outbox, in the same transaction as its cause.
///
/// A store may keep the body, final when written, or only the ids of the rows it describes (an
/// empty body, ``reference(_:at:sendId:receiptId:replyId:)``), and build the body from those rows
/// at each delivery: the rows never
/// change, so every attempt sends the same bytes and a receiver that deduplicates by `webhook-id`
/// never sees two versions of one event (until retention removes the rows:
/// ``WebhookPayload/withoutRows(_:at:_:sendId:receiptId:replyId:)``). It follows the Standard
/// Webhooks payload shape, `{"type", "timestamp", "data"}`; the event id travels in the
/// `webhook-id` header (it is the outbox sequence number, known only once the row exists).
public struct OutboxEvent: Sendable, Hashable {
    public var type: WebhookEventType
    public var createdAt: Date
    /// Ledger row ids, so the application (or an operator with the CLI) can look the rest up.
    public var sendId: Int64?
    public var receiptId: Int64?
    public var replyId: Int64?
    public var quarantineId: Int64?
    public var body: [UInt8]

    public init(type: WebhookEventType, createdAt: Date, sendId: Int64? = nil, receiptId: Int64? = nil,
                replyId: Int64? = nil, quarantineId: Int64? = nil, body: [UInt8]) {
        self.type = type
        self.createdAt = createdAt
        self.sendId = sendId
        self.receiptId = receiptId
        self.replyId = replyId
        self.quarantineId = quarantineId
        self.body = body
    }

    /// An event whose body is built from its rows at delivery.
    public static func reference(_ type: WebhookEventType, at time: Date, sendId: Int64? = nil, receiptId: Int64? = nil,
                                 replyId: Int64? = nil) -> OutboxEvent {
        OutboxEvent(type: type, createdAt: time, sendId: sendId, receiptId: receiptId, replyId: replyId, body: [])
    }
}

/// The public id of an outbox event: `evt_` and its sequence number in the ledger's outbox.
///
/// Sequence numbers are never reused (the outbox table is AUTOINCREMENT), so the id is stable across
/// retries and replays, which is what lets a receiver deduplicate.
public enum WebhookEventID {
    public static let prefix = "evt_"

    public static func string(_ sequence: Int64) -> String { prefix + String(sequence) }

    public static func sequence(_ id: String) -> Int64? {
        let digits = id.hasPrefix(prefix) ? Substring(id.dropFirst(prefix.count)) : Substring(id)
        guard let value = Int64(digits), value > 0 else { return nil }
        return value
    }
}

/// The HMAC key of a Standard Webhooks secret: the base64 after an optional `whsec_` prefix, decoded
/// exactly as the official `standardwebhooks` libraries decode it, so both sides use the same bytes.
public enum WebhookSigningKey {
    public static func decode(_ secret: String) -> [UInt8]? {
        var encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        // The libraries accept unpadded base64 (they append "==" before decoding); so do we.
        if encoded.utf8.count % 4 != 0 { encoded += String(repeating: "=", count: 4 - encoded.utf8.count % 4) }
        guard let key = Data(base64Encoded: encoded), !key.isEmpty else { return nil }
        return Array(key)
    }
}
