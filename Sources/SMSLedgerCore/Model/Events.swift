import Foundation

/// Which company carried the message. Send identities are unique per provider.
public enum Provider: String, Sendable, Codable, CaseIterable, Hashable {
    case alibaba
    case telesign
}

/// How a piece of news reached us. Recorded with every row so an operator can tell a receipt that
/// came through the queue from one the compensation job had to go and fetch.
public enum EventSource: String, Sendable, Codable, CaseIterable, Hashable {
    /// Alibaba SmsReport over MNS.
    case smsReport = "sms_report"
    /// Alibaba SmsUp (a reply from a phone) over MNS.
    case smsUp = "sms_up"
    /// Alibaba QuerySendDetails, asked by the compensation job.
    case compensation
    /// A provider's HTTP status callback (TeleSign-style codes).
    case httpCallback = "http_callback"
    /// Alibaba SmsReport pushed over HTTP ("HTTP批量推送") instead of through the MNS queue.
    case smsReportPush = "sms_report_push"
    /// Alibaba SmsUp pushed over HTTP.
    case smsUpPush = "sms_up_push"
}

/// One status report about one send: the normalised status plus everything the provider said.
///
/// Reports are history: the ledger keeps every distinct report and never rewrites one. The send's
/// current state is derived from them with ``DeliveryStatus/accepts(_:)``.
public struct DeliveryReceipt: Sendable, Hashable {
    public var provider: Provider
    public var source: EventSource
    /// The provider's id of the send: Alibaba `biz_id` / international `MessageId`, TeleSign `reference_id`.
    public var bizId: String
    /// The sender's own id: Alibaba `out_id`, TeleSign `external_id`. Empty strings become `nil`.
    public var outId: String?
    /// Recipient; absent in TeleSign callbacks.
    public var phoneNumber: String?
    public var status: DeliveryStatus
    /// Exactly as received (`DELIVERED`, `MK:0001`, `200`, ...).
    public var providerCode: String
    public var providerText: String?
    /// When the provider handed the message on (`send_time`, `SendDate`).
    public var sentAt: Date?
    /// When the status was reported (`report_time`, `ReceiveDate`, `updated_on`).
    public var reportedAt: Date?
    /// Billed parts, when the provider says.
    public var smsSize: Int?
    /// The body exactly as it arrived (decoded from base64 for MNS), for audits and re-parsing.
    public var rawBody: Data

    public init(provider: Provider, source: EventSource, bizId: String, outId: String?, phoneNumber: String?,
                status: DeliveryStatus, providerCode: String, providerText: String?, sentAt: Date?,
                reportedAt: Date?, smsSize: Int? = nil, rawBody: Data) {
        self.provider = provider
        self.source = source
        self.bizId = bizId
        self.outId = outId.flatMap { $0.isEmpty ? nil : $0 }
        self.phoneNumber = phoneNumber.flatMap { $0.isEmpty ? nil : $0 }
        self.status = status
        self.providerCode = providerCode
        self.providerText = providerText
        self.sentAt = sentAt
        self.reportedAt = reportedAt
        self.smsSize = smsSize
        self.rawBody = rawBody
    }

    /// The identity of the *news*, independent of the path it took: the same delivery reported by the
    /// queue and by QuerySendDetails has the same key, so the ledger stores it once.
    ///
    /// Built from the fields both paths agree on (provider, send, phone, state, code, report time to
    /// the second); the source and raw body are deliberately left out.
    public var dedupeKey: String {
        let reported = reportedAt.map { String(Int64($0.timeIntervalSince1970.rounded(.down))) } ?? "-"
        return [provider.rawValue, bizId, phoneNumber ?? "-", status.state.rawValue,
                providerCode, reported].joined(separator: "|")
    }
}

/// A reply from a phone (Alibaba SmsUp). Not a status: there is no API to fetch a missed one later,
/// which is why it must be committed before the queue message is deleted.
public struct InboundMessage: Sendable, Hashable {
    public var phoneNumber: String
    public var content: String
    /// When the carrier pushed it.
    public var sentAt: Date
    /// The extension code that routes the reply to a signature.
    public var destCode: String
    /// Carrier sequence id; a number in the MNS doc, a string in the HTTP doc. Kept as text.
    public var sequenceId: String
    public var signName: String?
    public var rawBody: Data

    public init(phoneNumber: String, content: String, sentAt: Date, destCode: String, sequenceId: String,
                signName: String?, rawBody: Data) {
        self.phoneNumber = phoneNumber
        self.content = content
        self.sentAt = sentAt
        self.destCode = destCode
        self.sequenceId = sequenceId
        self.signName = signName.flatMap { $0.isEmpty ? nil : $0 }
        self.rawBody = rawBody
    }

    /// Same reply redelivered by MNS → same key.
    public var dedupeKey: String {
        [phoneNumber, destCode, sequenceId, String(Int64(sentAt.timeIntervalSince1970))].joined(separator: "|")
    }
}

/// A send the ledger knows about, so compensation can ask about it and receipts can be linked to it.
public struct SendRecord: Sendable, Hashable {
    public var provider: Provider
    public var bizId: String
    /// Required for Alibaba (QuerySendDetails needs it); TeleSign callbacks do not carry it.
    public var phoneNumber: String?
    public var outId: String?
    public var sentAt: Date
    public var templateCode: String?
    public var signName: String?

    public init(provider: Provider, bizId: String, phoneNumber: String?, outId: String?, sentAt: Date,
                templateCode: String? = nil, signName: String? = nil) {
        self.provider = provider
        self.bizId = bizId
        self.phoneNumber = phoneNumber.flatMap { $0.isEmpty ? nil : $0 }
        self.outId = outId.flatMap { $0.isEmpty ? nil : $0 }
        self.sentAt = sentAt
        self.templateCode = templateCode
        self.signName = signName
    }
}

/// Something that arrived but could not be normalised. Kept whole, with the reason, never dropped.
public struct QuarantineEntry: Sendable, Hashable {
    public var source: EventSource
    public var rawBody: Data
    public var reason: String
    /// Context for the operator, e.g. the MNS message id or the callback's remote address.
    public var context: String?

    public init(source: EventSource, rawBody: Data, reason: String, context: String? = nil) {
        self.source = source
        self.rawBody = rawBody
        self.reason = reason
        self.context = context
    }
}

/// What one normaliser call produced: a receipt, a reply, or a reason to quarantine.
public enum LedgerEvent: Sendable, Hashable {
    case receipt(DeliveryReceipt)
    case inbound(InboundMessage)
    case quarantine(QuarantineEntry)
}
