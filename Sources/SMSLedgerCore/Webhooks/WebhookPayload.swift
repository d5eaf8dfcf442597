import Foundation
import Parsers

/// Builds the JSON body of each event from values the writer already holds: no row is read back and
/// nothing is parsed, so an event costs the ledger writer one small serialisation and one insert.
/// The bodies are written member by member (``JSONObjectWriter``), keys in byte order, because the
/// writer builds about two per message inside its transaction; a dictionary per event was most of
/// what configuring an endpoint added to the drain (Benchmarks/README.md, "Webhooks").
///
/// Field names are snake_case like the CLI's `--json`; times are RFC 3339 UTC with milliseconds;
/// absent facts are `null` rather than missing, so every event of a type has the same keys.
public enum WebhookPayload {
    public static func receipt(_ receipt: DeliveryReceipt, receiptId: Int64, sendId: Int64?,
                               receivedAt: Date) -> OutboxEvent {
        var data = JSONObjectWriter()
        data.string("biz_id", receipt.bizId)
        data.bool("final", receipt.status.isFinal)
        data.string("out_id", receipt.outId)
        data.string("phone_number", receipt.phoneNumber)
        data.string("provider", receipt.provider.rawValue)
        data.string("provider_code", receipt.providerCode)
        data.string("provider_text", receipt.providerText)
        data.int("receipt_id", receiptId)
        data.string("received_at", RFC3339.string(receivedAt))
        data.string("reported_at", receipt.reportedAt.map(RFC3339.string))
        data.bool("retryable", receipt.status.retryable)
        data.int("send_id", sendId)
        data.string("sent_at", receipt.sentAt.map(RFC3339.string))
        data.string("source", receipt.source.rawValue)
        data.string("state", receipt.status.state.rawValue)
        return event(.receipt, at: receivedAt, data, sendId: sendId, receiptId: receiptId)
    }

    /// How a send became final; the settled event names it so an application can tell a carrier's
    /// verdict from the ledger giving up.
    public enum SettledBy: String, Sendable {
        case receipt, callback, push, compensation
        /// Closed as `unknown` when the compensation window ended without a final answer.
        case closed

        public init(_ source: EventSource) {
            switch source {
            case .smsReport, .smsUp: self = .receipt
            case .smsReportPush, .smsUpPush: self = .push
            case .httpCallback: self = .callback
            case .compensation: self = .compensation
            }
        }
    }

    /// The final state of a send. It carries the whole verdict (state, code, the receipt that gave
    /// it), so it means the same whether it arrives before or after the receipt events of its send.
    public static func settled(_ send: SettledSend, at time: Date) -> OutboxEvent {
        var data = JSONObjectWriter()
        data.string("biz_id", send.bizId)
        data.string("closed_reason", send.closedReason)
        data.bool("final", true)
        data.string("out_id", send.outId)
        data.string("phone_number", send.phoneNumber)
        data.string("provider", send.provider.rawValue)
        data.string("provider_code", send.providerCode)
        data.int("receipt_id", send.receiptId)
        data.bool("retryable", send.status.retryable)
        data.int("send_id", send.sendId)
        data.string("settled_at", RFC3339.string(time))
        data.string("settled_by", send.settledBy.rawValue)
        data.string("state", send.status.state.rawValue)
        return event(.sendSettled, at: time, data, sendId: send.sendId, receiptId: send.receiptId)
    }

    public static func reply(_ message: InboundMessage, replyId: Int64, receivedAt: Date) -> OutboxEvent {
        var data = JSONObjectWriter()
        data.string("content", message.content)
        data.string("dest_code", message.destCode)
        data.string("phone_number", message.phoneNumber)
        data.string("received_at", RFC3339.string(receivedAt))
        data.int("reply_id", replyId)
        data.string("sent_at", RFC3339.string(message.sentAt))
        data.string("sequence_id", message.sequenceId)
        data.string("sign_name", message.signName)
        return event(.reply, at: receivedAt, data, replyId: replyId)
    }

    /// The quarantined body itself is not sent (it may be large, or not text); the id finds it
    /// with `smsledger quarantine`.
    public static func quarantined(_ entry: QuarantineEntry, quarantineId: Int64, receivedAt: Date) -> OutboxEvent {
        var data = JSONObjectWriter()
        data.int("body_bytes", Int64(entry.rawBody.count))
        data.string("context", entry.context)
        data.int("quarantine_id", quarantineId)
        data.string("reason", entry.reason)
        data.string("received_at", RFC3339.string(receivedAt))
        data.string("source", entry.source.rawValue)
        return event(.quarantined, at: receivedAt, data, quarantineId: quarantineId)
    }

    /// Why an event built from its rows at delivery carries only its ids.
    public enum MissingRows: Sendable {
        /// Retention removed the rows before the event was delivered (an endpoint down for longer
        /// than `retention_days`, or a replay of an old event): the ledger no longer has the rest.
        case pruned
        /// A row holds a value this build does not know (written by a newer build, or edited by
        /// hand). The event goes anyway rather than blocking every later one of its endpoint.
        case unreadable
    }

    /// An event whose body could not be built from its rows: only what the event row itself holds,
    /// with `"pruned": true` or `"unreadable": true`.
    public static func withoutRows(_ type: WebhookEventType, at time: Date, _ why: MissingRows, sendId: Int64?,
                                   receiptId: Int64?, replyId: Int64?) -> OutboxEvent {
        var data = JSONObjectWriter()
        if why == .pruned { data.bool("pruned", true) }
        if let receiptId { data.int("receipt_id", receiptId) }
        if let replyId { data.int("reply_id", replyId) }
        if let sendId { data.int("send_id", sendId) }
        if why == .unreadable { data.bool("unreadable", true) }
        return event(type, at: time, data, sendId: sendId, receiptId: receiptId, replyId: replyId)
    }

    private static func event(_ type: WebhookEventType, at time: Date, _ data: JSONObjectWriter, sendId: Int64? = nil,
                              receiptId: Int64? = nil, replyId: Int64? = nil, quarantineId: Int64? = nil) -> OutboxEvent {
        var envelope = JSONObjectWriter()
        envelope.object("data", data)
        envelope.string("timestamp", RFC3339.string(time))
        envelope.string("type", type.rawValue)
        return OutboxEvent(type: type, createdAt: time, sendId: sendId, receiptId: receiptId, replyId: replyId,
                           quarantineId: quarantineId, body: envelope.bytes)
    }
}

/// What the writer knows about a send at the moment it becomes final.
public struct SettledSend: Sendable, Hashable {
    public var sendId: Int64
    public var provider: Provider
    public var bizId: String
    public var outId: String?
    public var phoneNumber: String?
    public var status: DeliveryStatus
    public var providerCode: String?
    public var settledBy: WebhookPayload.SettledBy
    public var receiptId: Int64?
    public var closedReason: String?

    public init(sendId: Int64, provider: Provider, bizId: String, outId: String?, phoneNumber: String?,
                status: DeliveryStatus, providerCode: String?, settledBy: WebhookPayload.SettledBy,
                receiptId: Int64? = nil, closedReason: String? = nil) {
        self.sendId = sendId
        self.provider = provider
        self.bizId = bizId
        self.outId = outId
        self.phoneNumber = phoneNumber
        self.status = status
        self.providerCode = providerCode
        self.settledBy = settledBy
        self.receiptId = receiptId
        self.closedReason = closedReason
    }
}

/// `2026-12-03T08:15:30.123Z`: UTC, always with milliseconds, written without a formatter (the
/// writer calls this for every event).
public enum RFC3339 {
    public static func string(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let days = millis.floorDivided(by: 86_400_000)
        let rest = Int(millis - days * 86_400_000)
        let (year, month, day) = ProlepticGregorian.civilFromDays(Int(days))
        let seconds = rest / 1000
        guard (0...9999).contains(year) else {
            return "\(zeroPadded(year, width: 4))-\(zeroPadded(month, width: 2))-\(zeroPadded(day, width: 2))T"
                + "\(zeroPadded(seconds / 3600, width: 2)):\(zeroPadded(seconds / 60 % 60, width: 2)):"
                + "\(zeroPadded(seconds % 60, width: 2)).\(zeroPadded(rest % 1000, width: 3))Z"
        }
        // Four-digit years (every date a ledger meets): the digits go straight into a fixed buffer.
        var text = Array("0000-00-00T00:00:00.000Z".utf8)
        func put(_ value: Int, endingAt last: Int) {
            var value = value
            var index = last
            while value > 0 {
                text[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                index -= 1
            }
        }
        put(year, endingAt: 3)
        put(month, endingAt: 6)
        put(day, endingAt: 9)
        put(seconds / 3600, endingAt: 12)
        put(seconds / 60 % 60, endingAt: 15)
        put(seconds % 60, endingAt: 18)
        put(rest % 1000, endingAt: 22)
        return String(decoding: text, as: UTF8.self)
    }
}
