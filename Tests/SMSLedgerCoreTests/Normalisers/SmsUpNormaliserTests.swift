import Foundation
import Testing
@testable import SMSLedgerCore

@Suite("SmsUp")
struct SmsUpNormaliserTests {
    private func reply(_ json: String) throws -> InboundMessage {
        try SmsUpNormaliser.normalise(json: Data(json.utf8))
    }

    @Test("the MNS fixture becomes an inbound message with every field")
    func fixture() throws {
        let result = try SmsUpNormaliser.normalise(messageBody: Fixtures.smsUpMessageBody)
        let message = result.value
        #expect(message.phoneNumber == "13800138000")
        #expect(message.content == "退订")
        #expect(message.sentAt.timeIntervalSince1970 == 1_709_618_970)
        #expect(message.destCode == "1234")
        #expect(message.sequenceId == "1234567890")
        #expect(message.signName == nil)
        #expect(message.rawBody == Data(Fixtures.smsUpJSON.utf8))
        #expect(result.warnings.isEmpty)
    }

    @Test("sequence_id as a string is kept as is")
    func sequenceIdString() throws {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: "1234567890", with: #""0012345""#)
        #expect(try reply(json).sequenceId == "0012345")
    }

    @Test("an integral floating sequence_id renders as an integer", arguments: ["1234567890.0", "1.23456789E9"])
    func sequenceIdIntegralDouble(raw: String) throws {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: "1234567890", with: raw)
        #expect(try reply(json).sequenceId == "1234567890")
    }

    @Test("a number and a string sequence_id give the same dedupe key")
    func sequenceIdFormsDedupeTogether() throws {
        let asString = Fixtures.smsUpJSON.replacingOccurrences(of: "1234567890", with: #""1234567890""#)
        #expect(try reply(asString).dedupeKey == reply(Fixtures.smsUpJSON).dedupeKey)
    }

    @Test("a fractional sequence_id is a type error")
    func sequenceIdFraction() {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: "1234567890", with: "12.5")
        let error = #expect(throws: NormalisationError.self) { try reply(json) }
        #expect(error?.kind == .wrongType(field: "sequence_id", expected: "a string or an integer"))
    }

    @Test("a boolean sequence_id is a type error, not 1")
    func sequenceIdBoolean() {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: "1234567890", with: "true")
        let error = #expect(throws: NormalisationError.self) { try reply(json) }
        #expect(error?.kind == .wrongType(field: "sequence_id", expected: "a string or an integer"))
    }

    @Test("sign_name is kept when present")
    func signNamePresent() throws {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: "{", with: #"{"sign_name":"阿里云短信测试","#)
        #expect(try reply(json).signName == "阿里云短信测试")
    }

    @Test("an empty sign_name is treated as absent")
    func signNameEmpty() throws {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: "{", with: #"{"sign_name":"","#)
        #expect(try reply(json).signName == nil)
    }

    @Test("an empty reply text is still a reply")
    func emptyContent() throws {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: "退订", with: "")
        #expect(try reply(json).content == "")
    }

    @Test("each required field, when absent, is named in the error",
          arguments: ["phone_number", "content", "send_time", "dest_code", "sequence_id"])
    func missingRequiredField(field: String) throws {
        var object = try #require(JSONSerialization.jsonObject(with: Data(Fixtures.smsUpJSON.utf8)) as? [String: Any])
        object[field] = nil
        let json = try JSONSerialization.data(withJSONObject: object)
        let error = #expect(throws: NormalisationError.self) { try SmsUpNormaliser.normalise(json: json) }
        #expect(error?.kind == .missingField(field))
    }

    @Test("null counts as missing")
    func nullIsMissing() {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: #""1234""#, with: "null")
        let error = #expect(throws: NormalisationError.self) { try reply(json) }
        #expect(error?.kind == .missingField("dest_code"))
    }

    @Test("content that is not text is a type error")
    func contentWrongType() {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: #""退订""#, with: "5")
        let error = #expect(throws: NormalisationError.self) { try reply(json) }
        #expect(error?.kind == .wrongType(field: "content", expected: "a string"))
    }

    @Test("an unparseable send_time is rejected")
    func badSendTime() {
        let json = Fixtures.smsUpJSON.replacingOccurrences(of: "2024-03-05 14:09:30", with: "2024-02-30 14:09:30")
        let error = #expect(throws: NormalisationError.self) { try reply(json) }
        #expect(error?.kind == .badTime(field: "send_time", value: "2024-02-30 14:09:30"))
    }
}
