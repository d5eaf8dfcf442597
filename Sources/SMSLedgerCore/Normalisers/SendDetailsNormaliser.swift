import Foundation
import Parsers

/// One page of a Dysmsapi `QuerySendDetails` answer, as the compensation job needs it.
///
/// Business errors arrive as HTTP 200 with `Code != "OK"`, so the envelope is parsed even then and the
/// caller decides from ``code`` (e.g. `isv.BUSINESS_LIMIT_CONTROL`).
public struct QuerySendDetailsPage: Sendable, Hashable {
    public var code: String
    public var message: String?
    public var requestId: String?
    /// Rows across all pages; the API sends it as text, some SDK models as a number.
    public var totalCount: Int?
    /// Each `SmsSendDetailDTO` row as its own JSON object, for ``SendDetailsNormaliser/normalise(row:bizId:)``
    /// and to be kept as the receipt's raw body: the bytes exactly as the service wrote them, cut out of
    /// the answer by their location (``JSONValue/parse(_:locating:)``), never re-serialised.
    public var rows: [Data]

    public init(code: String, message: String?, requestId: String?, totalCount: Int?, rows: [Data]) {
        self.code = code
        self.message = message
        self.requestId = requestId
        self.totalCount = totalCount
        self.rows = rows
    }

    public var isOK: Bool { code == "OK" }
}

/// QuerySendDetails rows → ``DeliveryReceipt`` (source ``EventSource/compensation``).
///
/// `SendStatus`: 1 → pending (no receipt yet, not final), 2 → failed (final), 3 → delivered (final).
/// The row does not repeat the `BizId` it was asked about, so the caller passes it in; with the same
/// phone, state, `ErrCode` and `ReceiveDate` the receipt's ``DeliveryReceipt/dedupeKey`` equals the
/// SmsReport's for the same delivery, and the ledger stores that news once.
public enum SendDetailsNormaliser {
    /// A whole response can hold 50 rows of long texts; it is a reply we asked for, not a pushed body,
    /// so it gets more room than the 64 KiB message limit.
    public static let responseLimit = 1 << 20

    /// The envelope and the rows of a QuerySendDetails JSON response. A missing or empty
    /// `SmsSendDetailDTOs` means no rows; a single object where an array belongs is taken as one row.
    public static func parseResponse(_ body: Data) throws(NormalisationError) -> QuerySendDetailsPage {
        let (fields, location) = try JSONFields.parse(body, limit: responseLimit, locating: rowsPath)
        var rows: [Data] = []
        if let container = try fields.object("SmsSendDetailDTOs"), let value = container.rawValue("SmsSendDetailDTO"),
           let location {
            let items: [(value: JSONValue, bytes: Range<Int>)]
            switch value {
            case .array(let array): items = Array(zip(array, location.elements))
            case .object: items = [(value, location.bytes)]
            default:
                throw NormalisationError(.wrongType(field: "SmsSendDetailDTOs.SmsSendDetailDTO", expected: "an array"))
            }
            for (index, item) in items.enumerated() {
                guard case .object = item.value else {
                    throw NormalisationError(.notAnObject, detail: "SmsSendDetailDTO[\(index)]")
                }
                let base = body.startIndex
                rows.append(body.subdata(in: (base + item.bytes.lowerBound)..<(base + item.bytes.upperBound)))
            }
        }
        return QuerySendDetailsPage(
            code: try fields.requiredString("Code"), message: try fields.string("Message"),
            requestId: try fields.string("RequestId"), totalCount: try fields.integer("TotalCount"), rows: rows)
    }

    /// One `SmsSendDetailDTO` row (JSON object bytes) about the send `bizId`. ``DeliveryReceipt/rawBody``
    /// is the row, which also keeps `Content` and `TemplateCode`.
    public static func normalise(row: Data, bizId: String) throws(NormalisationError) -> Normalised<DeliveryReceipt> {
        guard !bizId.isEmpty else { throw NormalisationError(.missingField("BizId")) }
        let fields = try JSONFields.parse(row)
        let sendStatus = try fields.requiredInteger("SendStatus")
        let status = sendStatusTable[sendStatus]
        let receipt = DeliveryReceipt(
            provider: .alibaba, source: .compensation, bizId: bizId, outId: try fields.string("OutId"),
            phoneNumber: try fields.requiredIdentifier("PhoneNum"),
            status: status ?? DeliveryStatus(state: .unknown, isFinal: false),
            providerCode: try fields.string("ErrCode") ?? "", providerText: nil,
            sentAt: try fields.time("SendDate", BeijingTime.date(from:)),
            // Empty while the send is pending.
            reportedAt: try fields.time("ReceiveDate", BeijingTime.date(from:)),
            rawBody: row)
        let warnings: [NormalisationWarning] = status == nil
            ? [.unknownStatusCode(provider: .alibaba, code: "SendStatus=\(sendStatus)")] : []
        return Normalised(receipt, warnings: warnings)
    }

    static let sendStatusTable: [Int: DeliveryStatus] = [
        1: .pending,
        2: DeliveryStatus(state: .failed, isFinal: true),
        3: .delivered,
    ]

    /// Where the rows are in an answer: `{"SmsSendDetailDTOs": {"SmsSendDetailDTO": [row, ...]}}`.
    static let rowsPath = ["SmsSendDetailDTOs", "SmsSendDetailDTO"]
}
