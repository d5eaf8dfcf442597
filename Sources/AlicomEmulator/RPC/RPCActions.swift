import Foundation

/// The three RPC actions the emulator serves.
extension EmulatorCore {
    /// Dybaseapi QueryTokenForMnsQueue: a token bound to the account's queue for `MessageType`.
    ///
    /// `QueueName` is optional, as in older clients. The token is always bound to the real queue,
    /// so a client that asks with a wrong name learns it from MNS (`AccessDeniedByRamPolicy`), as
    /// reported against the real service.
    func queryTokenForMnsQueue(_ call: RPCCall) throws -> WireValue {
        guard let messageType = call.parameters["MessageType"] else { throw RPCFailure.missing("MessageType") }
        let queue: String
        switch messageType {
        case "SmsReport": queue = configuration.smsReportQueue
        case "SmsUp": queue = configuration.smsUpQueue
        default:
            return Self.businessError(code: "isv.INVALID_PARAMETERS",
                                      message: "MessageType \(messageType) is not supported by this emulator.")
        }
        let token = tokens.issue(queueName: queue, now: Date())
        return .object([
            ("RequestId", .string(UUID().uuidString)),
            ("Code", .string("OK")),
            ("Message", .string("OK")),
            ("MessageTokenDTO", .object([
                ("AccessKeyId", .string(token.accessKeyId)),
                ("AccessKeySecret", .string(token.accessKeySecret)),
                ("SecurityToken", .string(token.securityToken)),
                ("CreateTime", .string(EmulatorTime.beijing(token.createdAt.epochMillis))),
                ("ExpireTime", .string(EmulatorTime.beijing(token.expiresAt.epochMillis))),
            ])),
        ])
    }

    /// Dysmsapi SendSms: one BizId for all numbers; receipts follow after the configured delay.
    func sendSmsAction(_ call: RPCCall) throws -> WireValue {
        let p = call.parameters
        guard let numbers = p["PhoneNumbers"] else { throw RPCFailure.missing("PhoneNumbers") }
        guard let signName = p["SignName"] else { throw RPCFailure.missing("SignName") }
        guard let templateCode = p["TemplateCode"] else { throw RPCFailure.missing("TemplateCode") }
        let phones = numbers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !phones.isEmpty, phones.allSatisfy(Self.isPhoneNumber) else {
            return Self.businessError(code: "isv.MOBILE_NUMBER_ILLEGAL", message: "invalid mobile number")
        }
        guard phones.count <= 1000 else {
            return Self.businessError(code: "isv.MOBILE_COUNT_OVER_LIMIT", message: "too many mobile numbers")
        }
        if let parameters = p["TemplateParam"],
           !((try? JSONSerialization.jsonObject(with: Data(parameters.utf8))) is [String: Any]) {
            return Self.businessError(code: "isv.INVALID_JSON_PARAM", message: "JSON参数不合法，只接受字符串值")
        }
        let bizId = sendSms(phones: phones, signName: signName, templateCode: templateCode,
                            templateParam: p["TemplateParam"], outId: p["OutId"])
        return .object([("Code", .string("OK")), ("Message", .string("OK")), ("BizId", .string(bizId)),
                        ("RequestId", .string(UUID().uuidString))])
    }

    /// Dysmsapi QuerySendDetails: `SendStatus` 1 (waiting) until the report time, then 2 or 3,
    /// whether or not the receipt reached the queue.
    func querySendDetailsAction(_ call: RPCCall) throws -> WireValue {
        let p = call.parameters
        guard let phone = p["PhoneNumber"] else { throw RPCFailure.missing("PhoneNumber") }
        guard let sendDate = p["SendDate"] else { throw RPCFailure.missing("SendDate") }
        sendDetailsQueries.record(phoneNumber: phone, sendDate: sendDate, now: Date())
        guard let pageSizeText = p["PageSize"] else { throw RPCFailure.missing("PageSize") }
        guard let pageText = p["CurrentPage"] else { throw RPCFailure.missing("CurrentPage") }
        let now = Date()
        guard let day = EmulatorTime.dayNumber(stamp: sendDate) else {
            return Self.businessError(code: "isv.INVALID_PARAMETERS", message: "SendDate must be yyyyMMdd.")
        }
        let today = EmulatorTime.beijingDayNumber(now.epochMillis)
        guard day <= today, today - day < 30 else {
            return Self.businessError(code: "isv.INVALID_PARAMETERS",
                                      message: "SendDate is out of range: only the last 30 days can be queried.")
        }
        guard let pageSize = Int(pageSizeText), (1...50).contains(pageSize),
              let page = Int(pageText), page >= 1 else {
            return Self.businessError(code: "isv.INVALID_PARAMETERS",
                                      message: "PageSize must be 1-50 and CurrentPage at least 1.")
        }
        let bizId = p["BizId"].flatMap { $0.isEmpty ? nil : $0 }
        let matching = carrier.records(phone: phone, bizId: bizId, sendDate: sendDate)
        let pageRecords = matching.dropFirst((page - 1) * pageSize).prefix(pageSize)
        let details = pageRecords.map { record -> WireValue in
            let reported = record.reportAt <= now
            let status = !reported ? 1 : (record.outcome == .delivered ? 3 : 2)
            return .object([
                ("PhoneNum", .string(record.phoneNumber)),
                ("SendStatus", .int(status)),
                ("ErrCode", .string(reported ? record.errCode : "")),
                ("TemplateCode", .string(record.templateCode)),
                ("Content", .string(record.content)),
                ("SendDate", .string(EmulatorTime.beijing(record.sentAt.epochMillis))),
                ("ReceiveDate", .string(reported ? EmulatorTime.beijing(record.reportAt.epochMillis) : "")),
                ("OutId", .string(record.outId ?? "")),
            ])
        }
        return .object([
            ("Code", .string("OK")), ("Message", .string("OK")), ("RequestId", .string(UUID().uuidString)),
            ("TotalCount", .string(String(matching.count))),
            ("SmsSendDetailDTOs", .object([("SmsSendDetailDTO", .array(itemName: "SmsSendDetailDTO", Array(details)))])),
        ])
    }

    /// Mainland 11 digits, or a country code and number (5 to 20 digits, optional leading `+`).
    static func isPhoneNumber(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return (5...20).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
