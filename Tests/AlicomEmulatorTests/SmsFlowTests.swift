import AlicomEmulator
import Foundation
import Testing

@Suite("SMS flow: SendSms, receipts, withholding, QuerySendDetails")
struct SmsFlowTests {
    private func send(_ harness: EmulatorHarness, phones: String = "13800138000") async throws -> String {
        let answer = try await harness.rpcJSON("SendSms", [
            "PhoneNumbers": phones, "SignName": "阿里云短信测试", "TemplateCode": "SMS_154950909",
            "TemplateParam": "{\"code\":\"1234\"}", "OutId": "order-42"])
        #expect(answer["Code"] as? String == "OK")
        return answer["BizId"] as? String ?? ""
    }

    private func details(_ harness: EmulatorHarness, bizId: String, sendDate: String? = nil,
                         pageSize: String = "50") async throws -> [String: Any] {
        let date = sendDate ?? harness.emulator.sends().first?.sendDate ?? ""
        return try await harness.rpcJSON("QuerySendDetails", [
            "PhoneNumber": "13800138000", "BizId": bizId, "SendDate": date, "PageSize": pageSize, "CurrentPage": "1"])
    }

    private func firstDetail(_ answer: [String: Any]) -> [String: Any]? {
        ((answer["SmsSendDetailDTOs"] as? [String: Any])?["SmsSendDetailDTO"] as? [[String: Any]])?.first
    }

    @Test func receiptArrivesAfterTheDelayWithTheDocumentedFields() async throws {
        try await EmulatorHarness.with({ $0.sms = .init(receiptDelay: 0.3, failureShare: 0, withholdShare: 0) }) { harness in
            let bizId = try await send(harness)
            #expect(bizId.hasSuffix("^0"))
            let received = try await harness.receive(harness.reportQueue, wait: 5, harness.longTerm)
            let body = try #require(xmlValues("MessageBody", in: received.body).first)
            let json = String(decoding: try #require(Data(base64Encoded: body)), as: UTF8.self)
            let keys = ["phone_number", "send_time", "report_time", "success", "err_code", "err_msg", "sms_size", "biz_id", "out_id"]
            let positions = keys.compactMap { json.range(of: "\"\($0)\":")?.lowerBound }
            #expect(positions.count == keys.count && positions == positions.sorted())
            let report = jsonObject(json)
            #expect(report["biz_id"] as? String == bizId)
            #expect(report["success"] as? Bool == true)
            #expect(report["sms_size"] as? String == "1")
        }
    }

    @Test func withheldReceiptNeverReachesTheQueueButQuerySendDetailsKnowsIt() async throws {
        try await EmulatorHarness.with({ $0.sms = .init(receiptDelay: 0, failureShare: 0, withholdShare: 1) }) { harness in
            let bizId = try await send(harness)
            #expect(harness.emulator.depth(of: harness.reportQueue)?.total == 0)
            #expect(harness.emulator.sends().map(\.receiptWithheld) == [true])
            let detail = try #require(firstDetail(try await details(harness, bizId: bizId)))
            #expect(detail["SendStatus"] as? Int == 3)
            #expect(detail["ErrCode"] as? String == "DELIVERED")
        }
    }

    @Test func failedSendReportsStatusTwoWithACarrierCode() async throws {
        try await EmulatorHarness.with({ $0.sms = .init(receiptDelay: 0, failureShare: 1, withholdShare: 0) }) { harness in
            let bizId = try await send(harness)
            let answer = try await details(harness, bizId: bizId)
            #expect(answer["TotalCount"] as? String == "1")
            let detail = try #require(firstDetail(answer))
            #expect(detail["SendStatus"] as? Int == 2)
            #expect(detail["ErrCode"] as? String != "DELIVERED")
        }
    }

    @Test func beforeTheReportTimeTheStatusIsWaiting() async throws {
        try await EmulatorHarness.with({ $0.sms = .init(receiptDelay: 600, failureShare: 0, withholdShare: 0) }) { harness in
            let bizId = try await send(harness)
            #expect(firstDetail(try await details(harness, bizId: bizId))?["SendStatus"] as? Int == 1)
            #expect(harness.emulator.depth(of: harness.reportQueue)?.delayed == 1)
        }
    }

    @Test func oneBizIdCoversEveryPhoneOfASend() async throws {
        try await EmulatorHarness.with { harness in
            let bizId = try await send(harness, phones: "13800138000,13800138001")
            #expect(harness.emulator.sends().map(\.bizId) == [bizId, bizId])
        }
    }

    @Test func sendDateOlderThanThirtyDaysIsABusinessError() async throws {
        try await EmulatorHarness.with { harness in
            let answer = try await details(harness, bizId: "", sendDate: "20200101")
            #expect(answer["Code"] as? String == "isv.INVALID_PARAMETERS")
        }
    }

    @Test func pageSizeAboveFiftyIsABusinessError() async throws {
        try await EmulatorHarness.with { harness in
            let answer = try await details(harness, bizId: "", sendDate: "20991231", pageSize: "51")
            #expect(answer["Code"] as? String == "isv.INVALID_PARAMETERS")
        }
    }

    @Test func invalidPhoneNumberIsABusinessError() async throws {
        try await EmulatorHarness.with { harness in
            let answer = try await harness.rpcJSON("SendSms", ["PhoneNumbers": "abc", "SignName": "s", "TemplateCode": "t"])
            #expect(answer["Code"] as? String == "isv.MOBILE_NUMBER_ILLEGAL")
        }
    }
}
