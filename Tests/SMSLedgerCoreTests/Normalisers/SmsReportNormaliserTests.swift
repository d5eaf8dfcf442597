import Foundation
import Testing
@testable import SMSLedgerCore

@Suite("SmsReport, mainland")
struct MainlandSmsReportTests {
    @Test("the MNS fixture becomes a final delivered Alibaba receipt with every field")
    func deliveredFixture() throws {
        let result = try SmsReportNormaliser.normalise(messageBody: Fixtures.smsReportMessageBody)
        let receipt = result.value
        #expect(receipt.provider == .alibaba)
        #expect(receipt.source == .smsReport)
        #expect(receipt.bizId == "900619746936498440^0")
        #expect(receipt.phoneNumber == "13800138000")
        #expect(receipt.outId == "order-42")
        #expect(receipt.status == .delivered)
        #expect(receipt.providerCode == "DELIVERED")
        #expect(receipt.providerText == "用户接收成功")
        #expect(receipt.sentAt?.timeIntervalSince1970 == 1_709_618_821)
        #expect(receipt.reportedAt?.timeIntervalSince1970 == 1_709_618_825)
        #expect(receipt.smsSize == 1)
        #expect(result.warnings.isEmpty)
    }

    @Test("the raw body is the decoded JSON, not the base64 text")
    func rawBodyIsDecodedJSON() throws {
        let receipt = try SmsReportNormaliser.normalise(messageBody: Fixtures.smsReportMessageBody).value
        #expect(receipt.rawBody == Data(Fixtures.smsReportJSON.utf8))
    }

    @Test("success false is a final failure that keeps the carrier code; an empty out_id becomes nil")
    func failureKeepsCode() throws {
        let receipt = try SmsReportNormaliser.normalise(json: Data(Fixtures.smsReportFailureJSON.utf8)).value
        #expect(receipt.status.state == .failed)
        #expect(receipt.status.isFinal)
        #expect(receipt.status.retryable == nil)
        #expect(receipt.providerCode == "MK:0001")
        #expect(receipt.phoneNumber == "13800138001")
        #expect(receipt.outId == nil)
    }

    @Test("sms_size may be a number instead of text")
    func smsSizeAsNumber() throws {
        let json = Fixtures.smsReportJSON.replacingOccurrences(of: #""sms_size":"1""#, with: #""sms_size":2"#)
        #expect(try SmsReportNormaliser.normalise(json: Data(json.utf8)).value.smsSize == 2)
    }

    @Test("send_time and out_id may be absent")
    func optionalFieldsAbsent() throws {
        let json = #"{"phone_number":"13800138000","report_time":"2024-03-05 14:07:05","success":true,"err_code":"DELIVERED","biz_id":"1^0"}"#
        let receipt = try SmsReportNormaliser.normalise(json: Data(json.utf8)).value
        #expect(receipt.sentAt == nil)
        #expect(receipt.outId == nil)
        #expect(receipt.smsSize == nil)
    }

    @Test("extra fields from newer push schemas are ignored")
    func extraFieldsIgnored() throws {
        let json = Fixtures.smsReportJSON.replacingOccurrences(
            of: "{", with: #"{"sign_name":"阿里云","template_code":"SMS_1","message_id":"m1","#)
        #expect(try SmsReportNormaliser.normalise(json: Data(json.utf8)).value.status == .delivered)
    }

    @Test("success: 1 is a type error, not a delivery")
    func numericSuccessIsWrongType() {
        let json = Fixtures.smsReportJSON.replacingOccurrences(of: #""success":true"#, with: #""success":1"#)
        let error = #expect(throws: NormalisationError.self) {
            try SmsReportNormaliser.normalise(json: Data(json.utf8))
        }
        #expect(error?.kind == .wrongType(field: "success", expected: "a boolean"))
    }

    @Test("success as text is a type error")
    func textSuccessIsWrongType() {
        let json = Fixtures.smsReportJSON.replacingOccurrences(of: #""success":true"#, with: #""success":"true""#)
        let error = #expect(throws: NormalisationError.self) {
            try SmsReportNormaliser.normalise(json: Data(json.utf8))
        }
        #expect(error?.kind == .wrongType(field: "success", expected: "a boolean"))
    }

    @Test("each required field, when absent, is named in the error",
          arguments: ["biz_id", "phone_number", "report_time", "success"])
    func missingRequiredField(field: String) throws {
        var object = try #require(JSONSerialization.jsonObject(with: Data(Fixtures.smsReportJSON.utf8)) as? [String: Any])
        object[field] = nil
        let json = try JSONSerialization.data(withJSONObject: object)
        let error = #expect(throws: NormalisationError.self) { try SmsReportNormaliser.normalise(json: json) }
        #expect(error?.kind == .missingField(field))
    }

    @Test("an empty biz_id counts as missing")
    func emptyBizIdIsMissing() {
        let json = Fixtures.smsReportJSON.replacingOccurrences(of: "900619746936498440^0", with: "")
        let error = #expect(throws: NormalisationError.self) {
            try SmsReportNormaliser.normalise(json: Data(json.utf8))
        }
        #expect(error?.kind == .missingField("biz_id"))
    }

    @Test("a present but unparseable send_time is rejected with its value")
    func badSendTime() {
        let json = Fixtures.smsReportJSON.replacingOccurrences(of: "2024-03-05 14:07:01", with: "2024-03-05 25:07:01")
        let error = #expect(throws: NormalisationError.self) {
            try SmsReportNormaliser.normalise(json: Data(json.utf8))
        }
        #expect(error?.kind == .badTime(field: "send_time", value: "2024-03-05 25:07:01"))
    }

    @Test("a report_time in another format is rejected")
    func badReportTime() {
        let json = Fixtures.smsReportJSON.replacingOccurrences(of: "2024-03-05 14:07:05", with: "2024-03-05T14:07:05Z")
        let error = #expect(throws: NormalisationError.self) {
            try SmsReportNormaliser.normalise(json: Data(json.utf8))
        }
        #expect(error?.kind == .badTime(field: "report_time", value: "2024-03-05T14:07:05Z"))
    }

    @Test("a JSON object with neither dialect's keys is an unknown schema")
    func unknownSchema() {
        let error = #expect(throws: NormalisationError.self) {
            try SmsReportNormaliser.normalise(json: Data(#"{"hello":"world"}"#.utf8))
        }
        #expect(error?.kind == .unknownSchema)
    }
}

@Suite("SmsReport, international")
struct InternationalSmsReportTests {
    @Test("Status maps to delivered, failed and expired, all final", arguments: [
        ("1", DeliveryState.delivered), ("2", .failed), ("6", .expired),
    ])
    func knownStatuses(status: String, state: DeliveryState) throws {
        let body = Fixtures.base64(Fixtures.internationalReportJSON(status: status))
        let result = try SmsReportNormaliser.normalise(messageBody: body)
        #expect(result.value.status.state == state)
        #expect(result.value.status.isFinal)
        #expect(result.warnings.isEmpty)
    }

    @Test("the international fields land in the receipt, with RFC 2822 times")
    func fields() throws {
        let json = Fixtures.internationalReportJSON(status: "2", errorCode: "UNDELIV")
        let receipt = try SmsReportNormaliser.normalise(json: Data(json.utf8)).value
        #expect(receipt.provider == .alibaba)
        #expect(receipt.bizId == "1008030300308311^0")
        #expect(receipt.phoneNumber == "6591234567")
        #expect(receipt.providerCode == "UNDELIV")
        #expect(receipt.providerText == "success")
        #expect(receipt.sentAt?.timeIntervalSince1970 == 1_637_807_220)
        #expect(receipt.reportedAt?.timeIntervalSince1970 == 1_637_807_225)
        #expect(receipt.smsSize == 1)
    }

    @Test("an unrecognised Status is unknown, not final, keeps the code and warns")
    func unknownStatus() throws {
        let json = Fixtures.internationalReportJSON(status: "9", errorCode: "")
        let result = try SmsReportNormaliser.normalise(json: Data(json.utf8))
        #expect(result.value.status == DeliveryStatus(state: .unknown, isFinal: false))
        #expect(result.value.providerCode == "9")
        #expect(result.unknownStatusCode == "9")
    }

    @Test("Status may be a JSON number")
    func numericStatus() throws {
        let json = Fixtures.internationalReportJSON(status: "1").replacingOccurrences(of: #""Status":"1""#, with: #""Status":1"#)
        #expect(try SmsReportNormaliser.normalise(json: Data(json.utf8)).value.status == .delivered)
    }

    @Test("a ReceiveDate that is not RFC 2822 is rejected")
    func badReceiveDate() {
        let json = Fixtures.internationalReportJSON(status: "1")
            .replacingOccurrences(of: "Thu, 25 Nov 2021 10:27:05 +0800", with: "2021-11-25 10:27:05")
        let error = #expect(throws: NormalisationError.self) {
            try SmsReportNormaliser.normalise(json: Data(json.utf8))
        }
        #expect(error?.kind == .badTime(field: "ReceiveDate", value: "2021-11-25 10:27:05"))
    }

    @Test("MessageId is required")
    func missingMessageId() {
        let json = Fixtures.internationalReportJSON(status: "1").replacingOccurrences(of: "MessageId", with: "Msg")
        let error = #expect(throws: NormalisationError.self) {
            try SmsReportNormaliser.normalise(json: Data(json.utf8))
        }
        #expect(error?.kind == .missingField("MessageId"))
    }
}
