import Foundation
import Testing
import SMSLedgerCore

/// Dates and rows for the compensation tests, written as Beijing wall times so each test reads like
/// the calendar Alibaba uses.
enum CompensationSamples {
    static let bizId = "900619746936498440^0"
    static let phone = "13800138000"

    /// The instant of a Beijing wall time `yyyy-MM-dd HH:mm:ss`.
    static func beijing(_ text: String) throws -> Date {
        try #require(BeijingTime.date(from: text))
    }

    static func send(bizId: String = bizId, phone: String? = phone, sentAt: Date?, checks: Int = 0,
                     provider: Provider = .alibaba) -> DueSend {
        DueSend(provider: provider, bizId: bizId, phoneNumber: phone, sentAt: sentAt, checkCount: checks)
    }

    /// A `SmsSendDetailDTO` row. `status` 1 waiting, 2 failed, 3 delivered.
    static func row(status: Int, phone: String = phone, errCode: String = "DELIVERED",
                    receiveDate: String = "2024-03-05 14:07:05", extra: String = "") -> Data {
        let received = status == 1 ? "" : receiveDate
        let code = status == 1 ? "" : errCode
        return Data(#"{"PhoneNum":"\#(phone)","SendStatus":\#(status),"ErrCode":"\#(code)","TemplateCode":"SMS_154950909","Content":"验证码1234","SendDate":"2024-03-05 14:07:01","ReceiveDate":"\#(received)","OutId":"order-42"\#(extra)}"#.utf8)
    }

    static let hour: TimeInterval = 3_600
    static let day: TimeInterval = 86_400
}
