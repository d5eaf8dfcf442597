import Foundation
import Parsers
import SMSLedgerCore

/// One page of `QuerySendDetails`: the rows exactly as the service sent them (one JSON object each)
/// and the total over all pages.
///
/// Rows stay raw on purpose: `SendDetailsNormaliser` in SMSLedgerCore turns them into receipts, and
/// keeping the bytes lets the ledger store what the service said. They are cut out of the answer by
/// ``SendDetailsNormaliser/parseResponse(_:)``, which reads the answer once with the project's JSON
/// reader; nothing is re-serialised.
public struct SendDetailsPage: Sendable, Hashable {
    /// Each `SmsSendDetailDTO` as a JSON object.
    public var rows: [Data]
    /// `TotalCount` (a string or a number on the wire).
    public var totalCount: Int
    public var requestId: String?

    public init(rows: [Data], totalCount: Int, requestId: String?) {
        self.rows = rows
        self.totalCount = totalCount
        self.requestId = requestId
    }
}

/// Dysmsapi (2017-05-25): `QuerySendDetails` for the compensation job, `SendSms` for tools and demos.
public struct DysmsClient: Sendable {
    public static let defaultEndpoint = "https://dysmsapi.aliyuncs.com"
    public static let pageSizeRange = 1...50

    public let rpc: RPCClient

    public init(rpc: RPCClient) {
        self.rpc = rpc
    }

    /// `QuerySendDetails`: what happened to the sends to `phoneNumber` on `sendDate`.
    ///
    /// - Parameters:
    ///   - bizId: narrows to one send (`900619746936498440^0`); nil lists the whole day.
    ///   - sendDate: `yyyyMMdd`, the **Beijing** day of the send (`BeijingTime.sendDate(of:)`);
    ///     only the last 30 days can be queried.
    ///   - pageSize: 1...50; currentPage: 1-based.
    /// - Throws: ``AlibabaError`` `.configuration`/`InvalidInput` for arguments the API would reject,
    ///   before any request is sent.
    public func querySendDetails(phoneNumber: String, bizId: String?, sendDate: String, pageSize: Int,
                                 currentPage: Int) async throws -> SendDetailsPage {
        let parameters = try Self.querySendDetailsParameters(
            phoneNumber: phoneNumber, bizId: bizId, sendDate: sendDate, pageSize: pageSize, currentPage: currentPage)
        let answer = try await rpc.call(action: "QuerySendDetails", parameters: parameters)
        return try Self.page(from: answer)
    }

    /// Validated parameters for `QuerySendDetails`. Pure.
    public static func querySendDetailsParameters(phoneNumber: String, bizId: String?, sendDate: String,
                                                  pageSize: Int, currentPage: Int) throws -> [String: String] {
        guard !phoneNumber.isEmpty else { throw AlibabaError.invalidInput("PhoneNumber is empty") }
        guard pageSizeRange.contains(pageSize) else {
            throw AlibabaError.invalidInput("PageSize \(pageSize) is outside 1...50")
        }
        guard currentPage >= 1 else { throw AlibabaError.invalidInput("CurrentPage \(currentPage) is below 1") }
        guard isSendDate(sendDate) else { throw AlibabaError.invalidInput("SendDate \(sendDate) is not yyyyMMdd") }
        var parameters = ["PhoneNumber": phoneNumber, "SendDate": sendDate,
                          "PageSize": String(pageSize), "CurrentPage": String(currentPage)]
        if let bizId, !bizId.isEmpty { parameters["BizId"] = bizId }
        return parameters
    }

    /// `yyyyMMdd` naming a real calendar day.
    static func isSendDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 8, bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let year = Int(text.prefix(4)), let month = Int(text.dropFirst(4).prefix(2)),
              let day = Int(text.suffix(2)), year >= 2000, (1...12).contains(month), day >= 1
        else { return false }
        return day <= ProlepticGregorian.daysInMonth(year: year, month: month)
    }

    /// Reads the rows and `TotalCount` from a successful answer. Pure.
    ///
    /// `SmsSendDetailDTOs` may be absent or `{}` when nothing matched; `TotalCount` then defaults to the
    /// number of rows. Whatever the normaliser refuses (a row that is not an object, a `TotalCount`
    /// that is not an integer) makes the answer malformed.
    public static func page(from answer: RPCAnswer) throws -> SendDetailsPage {
        let page: QuerySendDetailsPage
        do {
            page = try SendDetailsNormaliser.parseResponse(answer.body)
        } catch {
            throw AlibabaError.malformed("QuerySendDetails answer: \(error.reason)", requestId: answer.requestId)
        }
        return SendDetailsPage(rows: page.rows, totalCount: page.totalCount ?? page.rows.count,
                               requestId: answer.requestId)
    }

    /// `SendSms`; returns the `BizId` to record with the phone number and the Beijing send day.
    ///
    /// - Parameters:
    ///   - phoneNumbers: comma-separated, as the API takes them.
    ///   - templateParam: the JSON text for the template variables, if the template has any.
    public func sendSms(phoneNumbers: String, signName: String, templateCode: String, templateParam: String?,
                        outId: String?) async throws -> String {
        guard !phoneNumbers.isEmpty, !signName.isEmpty, !templateCode.isEmpty else {
            throw AlibabaError.invalidInput("PhoneNumbers, SignName and TemplateCode are required")
        }
        var parameters = ["PhoneNumbers": phoneNumbers, "SignName": signName, "TemplateCode": templateCode]
        if let templateParam, !templateParam.isEmpty { parameters["TemplateParam"] = templateParam }
        if let outId, !outId.isEmpty { parameters["OutId"] = outId }
        let answer = try await rpc.call(action: "SendSms", parameters: parameters)
        guard let bizId = try answer.object()["BizId"]?.stringValue, !bizId.isEmpty else {
            throw AlibabaError.malformed("SendSms answer lacks BizId", requestId: answer.requestId)
        }
        return bizId
    }
}
