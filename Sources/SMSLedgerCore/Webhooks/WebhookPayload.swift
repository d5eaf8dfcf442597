import Foundation
import Parsers

/// Builds the JSON body of each event from values the writer already holds: no row is read back and
/// nothing is parsed, so an event costs the ledger writer one small serialisation and one insert.
///
/// Field names are snake_case like the CLI's `--json`; times are RFC 3339 UTC with milliseconds;
/// absent facts are `null` rather than missing, so every event of a type has the same keys.
public enum WebhookPayload {
    public static func receipt(_ receipt: DeliveryReceipt, receiptId: Int64, sendId: Int64?,
                               receivedAt: Date) -> OutboxEvent {
        let data: JSONObject = [
            "receipt_id": .int(receiptId), "send_id": sendId.map(JSONValue.int) ?? .null,
            "provider": .string(receipt.provider.rawValue), "source": .string(receipt.source.rawValue),
            "biz_id": .string(receipt.bizId), "out_id": .text(receipt.outId),
            "phone_number": .text(receipt.phoneNumber), "state": .string(receipt.status.state.rawValue),
            "final": .bool(receipt.status.isFinal), "retryable": receipt.status.retryable.map(JSONValue.bool) ?? .null,
            "provider_code": .string(receipt.providerCode), "provider_text": .text(receipt.providerText),
            "sent_at": .time(receipt.sentAt), "reported_at": .time(receipt.reportedAt),
            "received_at": .time(receivedAt),
        ]
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
        let data: JSONObject = [
            "send_id": .int(send.sendId), "provider": .string(send.provider.rawValue),
            "biz_id": .string(send.bizId), "out_id": .text(send.outId), "phone_number": .text(send.phoneNumber),
            "state": .string(send.status.state.rawValue), "final": .bool(true),
            "retryable": send.status.retryable.map(JSONValue.bool) ?? .null,
            "provider_code": .text(send.providerCode), "settled_by": .string(send.settledBy.rawValue),
            "receipt_id": send.receiptId.map(JSONValue.int) ?? .null, "closed_reason": .text(send.closedReason),
            "settled_at": .time(time),
        ]
        return event(.sendSettled, at: time, data, sendId: send.sendId, receiptId: send.receiptId)
    }

    public static func reply(_ message: InboundMessage, replyId: Int64, receivedAt: Date) -> OutboxEvent {
        let data: JSONObject = [
            "reply_id": .int(replyId), "phone_number": .string(message.phoneNumber),
            "content": .string(message.content), "sent_at": .time(message.sentAt),
            "dest_code": .string(message.destCode), "sequence_id": .string(message.sequenceId),
            "sign_name": .text(message.signName), "received_at": .time(receivedAt),
        ]
        return event(.reply, at: receivedAt, data, replyId: replyId)
    }

    /// The quarantined body itself is not sent (it may be large, or not text); the id finds it
    /// with `smsledger quarantine`.
    public static func quarantined(_ entry: QuarantineEntry, quarantineId: Int64, receivedAt: Date) -> OutboxEvent {
        let data: JSONObject = [
            "quarantine_id": .int(quarantineId), "source": .string(entry.source.rawValue),
            "reason": .string(entry.reason), "context": .text(entry.context),
            "body_bytes": .int(Int64(entry.rawBody.count)), "received_at": .time(receivedAt),
        ]
        return event(.quarantined, at: receivedAt, data, quarantineId: quarantineId)
    }

    private static func event(_ type: WebhookEventType, at time: Date, _ data: JSONObject, sendId: Int64? = nil,
                              receiptId: Int64? = nil, replyId: Int64? = nil, quarantineId: Int64? = nil) -> OutboxEvent {
        let body = JSONValue.object([
            "type": .string(type.rawValue), "timestamp": .time(time), "data": .object(data),
        ]).serialised()
        return OutboxEvent(type: type, createdAt: time, sendId: sendId, receiptId: receiptId, replyId: replyId,
                           quarantineId: quarantineId, body: body)
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

extension JSONValue {
    static func int(_ value: Int64) -> JSONValue { .number(JSONNumber(literal: String(value))) }
    static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func time(_ value: Date?) -> JSONValue { value.map { .string(RFC3339.string($0)) } ?? .null }
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
        return "\(zeroPadded(year, width: 4))-\(zeroPadded(month, width: 2))-\(zeroPadded(day, width: 2))T"
            + "\(zeroPadded(seconds / 3600, width: 2)):\(zeroPadded(seconds / 60 % 60, width: 2)):"
            + "\(zeroPadded(seconds % 60, width: 2)).\(zeroPadded(rest % 1000, width: 3))Z"
    }
}
