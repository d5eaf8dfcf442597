import Foundation
import Parsers
@testable import SMSLedgerCore
import Testing

/// The event bodies are written member by member for speed; these tests hold them to the bytes the
/// general JSON writer gives for the same members (sorted keys, its escaping), so a key out of order,
/// a missing `null` or a wrong escape fails here rather than in a receiver.
@Suite("Webhook payloads: the fast writer gives the general writer's bytes")
struct WebhookPayloadTests {
    /// Strings a body must carry intact: quotes, backslashes, controls, newlines, Chinese, emoji.
    static let awkward = ["plain", "退订 \"quoted\" \\ back\\slash", "line\nbreak\ttab\r\u{1}\u{1F}", "😀 ok", ""]

    static func reference(_ type: String, _ time: Date, _ data: JSONObject) -> [UInt8] {
        JSONValue.object(["type": .string(type), "timestamp": .string(RFC3339.string(time)), "data": .object(data)])
            .serialised()
    }

    static func int(_ value: Int64?) -> JSONValue { value.map { .number(JSONNumber(literal: String($0))) } ?? .null }
    static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func time(_ value: Date?) -> JSONValue { value.map { .string(RFC3339.string($0)) } ?? .null }
    static func bool(_ value: Bool?) -> JSONValue { value.map(JSONValue.bool) ?? .null }

    @Test(arguments: awkward)
    func receiptAndSettledBodies(text value: String) {
        let at = Date(timeIntervalSince1970: 1_764_748_800.123)
        for (outId, sentAt, retryable) in [(value, at as Date?, true as Bool?), (nil, nil, nil)] {
            let receipt = DeliveryReceipt(
                provider: .alibaba, source: .smsReport, bizId: "b" + value, outId: outId, phoneNumber: value,
                status: DeliveryStatus(state: .failed, isFinal: true, retryable: retryable), providerCode: value,
                providerText: outId, sentAt: sentAt, reportedAt: sentAt, smsSize: nil, rawBody: Data())
            let event = WebhookPayload.receipt(receipt, receiptId: 42, sendId: outId == nil ? nil : 7, receivedAt: at)
            let expected = Self.reference("sms.receipt", at, [
                "receipt_id": Self.int(42), "send_id": Self.int(outId == nil ? nil : 7), "provider": .string("alibaba"),
                "source": .string(receipt.source.rawValue), "biz_id": .string("b" + value), "out_id": Self.text(receipt.outId),
                "phone_number": Self.text(receipt.phoneNumber), "state": .string("failed"), "final": .bool(true),
                "retryable": Self.bool(retryable), "provider_code": .string(receipt.providerCode),
                "provider_text": Self.text(receipt.providerText),
                "sent_at": Self.time(sentAt), "reported_at": Self.time(sentAt), "received_at": Self.time(at),
            ])
            #expect(event.body == expected, "\(String(decoding: event.body, as: UTF8.self))")

            let send = SettledSend(sendId: 7, provider: .alibaba, bizId: value, outId: outId, phoneNumber: outId,
                                   status: receipt.status, providerCode: outId, settledBy: .closed, receiptId: nil,
                                   closedReason: outId)
            let settled = WebhookPayload.settled(send, at: at)
            #expect(settled.body == Self.reference("sms.send.settled", at, [
                "send_id": Self.int(7), "provider": .string("alibaba"), "biz_id": .string(value),
                "out_id": Self.text(outId), "phone_number": Self.text(outId), "state": .string("failed"),
                "final": .bool(true), "retryable": Self.bool(retryable), "provider_code": Self.text(outId),
                "settled_by": .string("closed"), "receipt_id": .null, "closed_reason": Self.text(outId),
                "settled_at": Self.time(at),
            ]))
        }
    }

    @Test(arguments: awkward)
    func replyAndQuarantineBodies(text value: String) {
        let at = Date(timeIntervalSince1970: 1_764_748_800.5)
        for signName in [value, nil] {
            let reply = InboundMessage(phoneNumber: "138" + value, content: value, sentAt: at, destCode: value,
                                       sequenceId: "9" + value, signName: signName, rawBody: Data())
            #expect(WebhookPayload.reply(reply, replyId: 3, receivedAt: at).body == Self.reference("sms.reply", at, [
                "reply_id": Self.int(3), "phone_number": .string("138" + value), "content": .string(value),
                "sent_at": Self.time(at), "dest_code": .string(value), "sequence_id": .string("9" + value),
                "sign_name": Self.text(reply.signName), "received_at": Self.time(at),
            ]))
            let entry = QuarantineEntry(source: .smsUp, rawBody: Data(value.utf8), reason: "r" + value, context: signName)
            #expect(WebhookPayload.quarantined(entry, quarantineId: 5, receivedAt: at).body
                    == Self.reference("sms.quarantined", at, [
                        "quarantine_id": Self.int(5), "source": .string(entry.source.rawValue),
                        "reason": .string("r" + value), "context": Self.text(entry.context),
                        "body_bytes": Self.int(Int64(value.utf8.count)), "received_at": Self.time(at),
                    ]))
        }
    }

    @Test func timesMatchAFormatterAcrossYearsAndMilliseconds() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SeededGenerator(seed: 19)
        for _ in 0..<2_000 {
            let millis = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            #expect(RFC3339.string(date) == formatter.string(from: date), "\(millis)")
        }
    }
}
