import Foundation
import Testing
@testable import SMSLedgerCore

@Suite("QuerySendDetails")
struct SendDetailsNormaliserTests {
    private let bizId = "900619746936498440^0"

    private func row(status: String, errCode: String = "DELIVERED", receiveDate: String = "2024-03-05 14:07:05") -> Data {
        Data(#"{"PhoneNum":"13800138000","SendStatus":\#(status),"ErrCode":"\#(errCode)","TemplateCode":"SMS_154950909","Content":"验证码1234","SendDate":"2024-03-05 14:07:01","ReceiveDate":"\#(receiveDate)","OutId":"order-42"}"#.utf8)
    }

    @Test("the documented response parses: envelope, count as text, one row")
    func parsesResponse() throws {
        let page = try SendDetailsNormaliser.parseResponse(Data(Fixtures.querySendDetailsResponse.utf8))
        #expect(page.isOK)
        #expect(page.message == "OK")
        #expect(page.requestId == "819BE656-D2E0-4858-8B21-B2E477085AAF")
        #expect(page.totalCount == 1)
        #expect(page.rows.count == 1)
    }

    @Test("the row extracted from the response normalises to the delivered receipt")
    func rowFromResponse() throws {
        let page = try SendDetailsNormaliser.parseResponse(Data(Fixtures.querySendDetailsResponse.utf8))
        let row = try #require(page.rows.first)
        let receipt = try SendDetailsNormaliser.normalise(row: row, bizId: bizId).value
        #expect(receipt.source == .compensation)
        #expect(receipt.provider == .alibaba)
        #expect(receipt.bizId == bizId)
        #expect(receipt.phoneNumber == "13800138000")
        #expect(receipt.outId == "order-42")
        #expect(receipt.status == .delivered)
        #expect(receipt.providerCode == "DELIVERED")
        #expect(receipt.sentAt?.timeIntervalSince1970 == 1_709_618_821)
        #expect(receipt.reportedAt?.timeIntervalSince1970 == 1_709_618_825)
        let kept = try #require(JSONSerialization.jsonObject(with: receipt.rawBody) as? [String: Any])
        #expect(kept["Content"] as? String == "【阿里云短信测试】您的验证码1234……")
    }

    @Test("TotalCount may be a number")
    func totalCountNumber() throws {
        let json = Fixtures.querySendDetailsResponse.replacingOccurrences(of: #""TotalCount": "1""#, with: #""TotalCount": 7"#)
        #expect(try SendDetailsNormaliser.parseResponse(Data(json.utf8)).totalCount == 7)
    }

    @Test("a business error without rows parses, with its code", arguments: [
        #"{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发分钟级流控","RequestId":"R1"}"#,
        #"{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"m","RequestId":"R1","SmsSendDetailDTOs":{}}"#,
        #"{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"m","RequestId":"R1","SmsSendDetailDTOs":{"SmsSendDetailDTO":[]}}"#,
    ])
    func noRows(json: String) throws {
        let page = try SendDetailsNormaliser.parseResponse(Data(json.utf8))
        #expect(!page.isOK)
        #expect(page.code == "isv.BUSINESS_LIMIT_CONTROL")
        #expect(page.rows.isEmpty)
    }

    @Test("a single row object instead of an array is one row")
    func singleRowObject() throws {
        let json = #"{"Code":"OK","SmsSendDetailDTOs":{"SmsSendDetailDTO":{"PhoneNum":"1","SendStatus":1}}}"#
        #expect(try SendDetailsNormaliser.parseResponse(Data(json.utf8)).rows.count == 1)
    }

    @Test("a response without Code is rejected")
    func missingCode() {
        let error = #expect(throws: NormalisationError.self) {
            try SendDetailsNormaliser.parseResponse(Data(#"{"Message":"OK"}"#.utf8))
        }
        #expect(error?.kind == .missingField("Code"))
    }

    @Test("SendStatus maps 1/2/3 to pending, failed, delivered; as a number or as text", arguments: [
        ("1", DeliveryStatus.pending), ("2", DeliveryStatus(state: .failed, isFinal: true)), ("3", .delivered),
        (#""1""#, .pending), (#""2""#, DeliveryStatus(state: .failed, isFinal: true)), (#""3""#, .delivered),
    ])
    func sendStatus(raw: String, expected: DeliveryStatus) throws {
        let result = try SendDetailsNormaliser.normalise(row: row(status: raw), bizId: bizId)
        #expect(result.value.status == expected)
        #expect(result.warnings.isEmpty)
    }

    @Test("a pending row with an empty ReceiveDate has no report time")
    func pendingWithoutReceiveDate() throws {
        let receipt = try SendDetailsNormaliser.normalise(row: row(status: "1", errCode: "", receiveDate: ""), bizId: bizId).value
        #expect(receipt.status == .pending)
        #expect(receipt.reportedAt == nil)
        #expect(receipt.providerCode == "")
    }

    @Test("an unknown SendStatus is unknown, not final, and warned about")
    func unknownSendStatus() throws {
        let result = try SendDetailsNormaliser.normalise(row: row(status: "4"), bizId: bizId)
        #expect(result.value.status == DeliveryStatus(state: .unknown, isFinal: false))
        #expect(result.unknownStatusCode == "SendStatus=4")
    }

    @Test("a SendStatus that is not an integer is a type error")
    func sendStatusWrongType() {
        let error = #expect(throws: NormalisationError.self) {
            try SendDetailsNormaliser.normalise(row: row(status: "true"), bizId: bizId)
        }
        #expect(error?.kind == .wrongType(field: "SendStatus", expected: "an integer or integer text"))
    }

    @Test("an unparseable ReceiveDate is rejected")
    func badReceiveDate() {
        let error = #expect(throws: NormalisationError.self) {
            try SendDetailsNormaliser.normalise(row: row(status: "3", receiveDate: "2024-03-05"), bizId: bizId)
        }
        #expect(error?.kind == .badTime(field: "ReceiveDate", value: "2024-03-05"))
    }

    @Test("a row without PhoneNum is rejected")
    func missingPhone() {
        let error = #expect(throws: NormalisationError.self) {
            try SendDetailsNormaliser.normalise(row: Data(#"{"SendStatus":3}"#.utf8), bizId: bizId)
        }
        #expect(error?.kind == .missingField("PhoneNum"))
    }

    @Test("the queue report and the compensation row for the same delivery share a dedupe key")
    func dedupeKeyMatchesQueueReport() throws {
        let fromQueue = try SmsReportNormaliser.normalise(messageBody: Fixtures.smsReportMessageBody).value
        let page = try SendDetailsNormaliser.parseResponse(Data(Fixtures.querySendDetailsResponse.utf8))
        let fromCompensation = try SendDetailsNormaliser.normalise(row: try #require(page.rows.first), bizId: bizId).value
        #expect(fromQueue.source != fromCompensation.source)
        #expect(fromQueue.rawBody != fromCompensation.rawBody)
        #expect(fromQueue.dedupeKey == fromCompensation.dedupeKey)
    }

    @Test("a different carrier code for the same send gives a different dedupe key")
    func dedupeKeyDistinguishesNews() throws {
        let fromQueue = try SmsReportNormaliser.normalise(messageBody: Fixtures.smsReportMessageBody).value
        let failed = try SendDetailsNormaliser.normalise(row: row(status: "2", errCode: "MK:0001"), bizId: bizId).value
        #expect(fromQueue.dedupeKey != failed.dedupeKey)
    }
}
