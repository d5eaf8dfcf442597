import Foundation
import Testing
@testable import SMSLedgerCore

@Suite("MNS message bodies")
struct MNSBodyNormaliserTests {
    /// The quarantine entry of `body`, failing the test if the body was accepted.
    private func quarantined(_ body: String, _ kind: MessageKind = .smsReport) throws -> QuarantineEntry {
        guard case .quarantine(let entry) = MNSBodyNormaliser.normalise(body: body, queueKind: kind) else {
            Issue.record("expected a quarantine entry")
            throw CancellationError()
        }
        return entry
    }

    private func decodeError(_ body: String) -> NormalisationError? {
        #expect(throws: NormalisationError.self) { try SmsReportNormaliser.normalise(messageBody: body) }
    }

    @Test("a report body from the report queue becomes a receipt")
    func reportBecomesReceipt() {
        let event = MNSBodyNormaliser.normalise(body: Fixtures.smsReportMessageBody, queueKind: .smsReport)
        guard case .receipt(let receipt) = event else {
            Issue.record("expected a receipt, got \(event)")
            return
        }
        #expect(receipt.bizId == "900619746936498440^0")
    }

    @Test("an up body from the up queue becomes an inbound message")
    func upBecomesInbound() {
        let event = MNSBodyNormaliser.normalise(body: Fixtures.smsUpMessageBody, queueKind: .smsUp)
        guard case .inbound(let message) = event else {
            Issue.record("expected an inbound message, got \(event)")
            return
        }
        #expect(message.sequenceId == "1234567890")
    }

    @Test("text that is neither base64 nor JSON is badBase64")
    func badBase64() {
        #expect(decodeError("this is not base64!")?.kind == .badBase64)
    }

    @Test("base64 with a line break inside is rejected: decoding is strict")
    func base64WithInnerNewline() {
        let body = String(Fixtures.smsReportMessageBody.prefix(40)) + "\n" + Fixtures.smsReportMessageBody.dropFirst(40)
        #expect(decodeError(body)?.kind == .badBase64)
    }

    @Test("unpadded base64 is rejected")
    func unpaddedBase64() {
        let body = String(Fixtures.smsReportMessageBody.dropLast())
        #expect(decodeError(body)?.kind == .badBase64)
    }

    @Test("whitespace around the base64 text is tolerated")
    func outerWhitespace() throws {
        let result = try SmsReportNormaliser.normalise(messageBody: "\n  \(Fixtures.smsReportMessageBody)\n")
        #expect(result.value.status == .delivered)
        #expect(!result.usedRawJSONFallback)
    }

    @Test("base64 of something that is not JSON is badJSON")
    func badJSON() {
        #expect(decodeError(Fixtures.base64("{\"biz_id\": "))?.kind == .badJSON)
        #expect(decodeError(Fixtures.base64("hello"))?.kind == .badJSON)
    }

    @Test("base64 of bytes that are not UTF-8 is invalidUTF8, not badJSON")
    func invalidUTF8() {
        var bytes = Data(#"{"biz_id":""#.utf8)
        bytes.append(contentsOf: [0xC3, 0x28, 0xFF])
        bytes.append(contentsOf: Data(#""}"#.utf8))
        #expect(decodeError(bytes.base64EncodedString())?.kind == .invalidUTF8)
    }

    @Test("a JSON array is notAnObject")
    func notAnObject() {
        #expect(decodeError(Fixtures.base64(#"[{"biz_id":"1"}]"#))?.kind == .notAnObject)
        #expect(decodeError(Fixtures.base64(#""just a string""#))?.kind == .notAnObject)
    }

    @Test("a body over 64 KiB is refused before decoding")
    func tooLarge() {
        let body = String(repeating: "A", count: 65_537)
        #expect(decodeError(body)?.kind == .bodyTooLarge(bytes: 65_537, limit: 65_536))
    }

    @Test("a body of exactly 64 KiB passes the size check")
    func exactlyAtLimit() {
        // 65,536 base64 characters decode to 49,152 bytes of non-JSON: the error is about JSON, not size.
        let body = String(repeating: "A", count: 65_536)
        #expect(decodeError(body)?.kind == .badJSON)
    }

    @Test("decoded JSON over 64 KiB is refused")
    func decodedJSONTooLarge() {
        let json = Data(("{\"pad\":\"" + String(repeating: "x", count: 70_000) + "\"}").utf8)
        let error = #expect(throws: NormalisationError.self) { try SmsReportNormaliser.normalise(json: json) }
        #expect(error?.kind == .bodyTooLarge(bytes: json.count, limit: 65_536))
    }

    @Test("deeply nested JSON is an error, not a crash")
    func deeplyNested() {
        let body = Fixtures.base64(String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000))
        let kind = decodeError(body)?.kind
        #expect(kind == .badJSON || kind == .notAnObject)
    }

    @Test("a raw JSON body is accepted and flagged so the caller can warn")
    func rawJSONFallback() throws {
        let result = try SmsReportNormaliser.normalise(messageBody: Fixtures.smsReportJSON)
        #expect(result.value.bizId == "900619746936498440^0")
        #expect(result.usedRawJSONFallback)
        #expect(result.warnings == [.rawJSONBody])
    }

    @Test("the fallback flag survives to the single entry point")
    func rawJSONFallbackThroughEntryPoint() {
        let result = MNSBodyNormaliser.normaliseWithWarnings(body: Fixtures.smsUpJSON, queueKind: .smsUp)
        #expect(result.usedRawJSONFallback)
        guard case .inbound = result.value else {
            Issue.record("expected an inbound message, got \(result.value)")
            return
        }
    }

    @Test("a base64 body is not flagged")
    func base64NotFlagged() {
        let result = MNSBodyNormaliser.normaliseWithWarnings(body: Fixtures.smsUpMessageBody, queueKind: .smsUp)
        #expect(!result.usedRawJSONFallback)
    }

    @Test("a failing body is quarantined with its original bytes, the queue's source and a readable reason")
    func quarantineKeepsOriginal() throws {
        let body = Fixtures.base64(#"{"biz_id":"1^0","phone_number":"13800138000","success":1}"#)
        let entry = try quarantined(body)
        #expect(entry.rawBody == Data(body.utf8))
        #expect(entry.source == .smsReport)
        #expect(entry.reason == "field 'success' should be a boolean")
    }

    @Test("undecodable text is quarantined byte for byte, including non-ASCII")
    func quarantineKeepsUndecodable() throws {
        let body = "not base64 – 不是"
        let entry = try quarantined(body, .smsUp)
        #expect(entry.rawBody == Data(body.utf8))
        #expect(entry.source == .smsUp)
        #expect(entry.reason == "message body is not valid base64")
    }

    @Test("the context given by the caller is kept on the quarantine entry")
    func quarantineContext() {
        let event = MNSBodyNormaliser.normalise(body: "%%%", queueKind: .smsUp, context: "mns.message_id=ABC")
        #expect(event == .quarantine(QuarantineEntry(source: .smsUp, rawBody: Data("%%%".utf8),
                                                     reason: "message body is not valid base64",
                                                     context: "mns.message_id=ABC")))
    }

    @Test("a report body read from the up queue is quarantined, not mistaken for a reply")
    func wrongQueue() throws {
        let entry = try quarantined(Fixtures.smsReportMessageBody, .smsUp)
        #expect(entry.reason.contains("content") || entry.reason.contains("dest_code"))
    }

    @Test("MessageKind names match QueryTokenForMnsQueue's MessageType")
    func messageTypeNames() {
        #expect(MessageKind.smsReport.rawValue == "SmsReport")
        #expect(MessageKind.smsUp.rawValue == "SmsUp")
        #expect(MessageKind.smsUp.eventSource == .smsUp)
    }
}
