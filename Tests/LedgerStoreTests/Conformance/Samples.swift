import Foundation
import LedgerStore
import SMSLedgerCore

/// Small builders for ledger events, with defaults that describe one ordinary Alibaba send so each
/// test states only what matters to it.
enum Sample {
    /// 2023-11-14 22:13:20 UTC, a whole second so millisecond storage round-trips exactly.
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    static func receipt(bizId: String = "biz-1", phone: String? = "13800000001", outId: String? = "out-1",
                        status: DeliveryStatus = .delivered, code: String? = nil, reportedAt: TimeInterval = 60,
                        source: EventSource = .smsReport, provider: Provider = .alibaba,
                        body: String? = nil) -> DeliveryReceipt {
        let providerCode = code ?? (status.state == .delivered ? "DELIVERED" : status.state.rawValue.uppercased())
        let raw = body ?? #"{"biz_id":"\#(bizId)","phone_number":"\#(phone ?? "")","code":"\#(providerCode)"}"#
        return DeliveryReceipt(provider: provider, source: source, bizId: bizId, outId: outId, phoneNumber: phone,
                               status: status, providerCode: providerCode, providerText: "text for \(providerCode)",
                               sentAt: at(0), reportedAt: at(reportedAt), smsSize: 1, rawBody: Data(raw.utf8))
    }

    static func reply(phone: String = "13800000001", content: String = "TD", sequence: String = "1001",
                      sentAt: TimeInterval = 120) -> InboundMessage {
        InboundMessage(phoneNumber: phone, content: content, sentAt: at(sentAt), destCode: "1234",
                       sequenceId: sequence, signName: "Ledger",
                       rawBody: Data(#"{"phone_number":"\#(phone)","content":"\#(content)"}"#.utf8))
    }

    static func send(bizId: String = "biz-1", phone: String? = "13800000001", outId: String? = "out-1",
                     sentAt: TimeInterval = 0, template: String? = "SMS_1", provider: Provider = .alibaba) -> SendRecord {
        SendRecord(provider: provider, bizId: bizId, phoneNumber: phone, outId: outId, sentAt: at(sentAt),
                   templateCode: template, signName: template == nil ? nil : "Ledger")
    }

    static func quarantine(_ body: String = "not json", source: EventSource = .smsReport,
                           reason: String = "bad JSON") -> QuarantineEntry {
        QuarantineEntry(source: source, rawBody: Data(body.utf8), reason: reason, context: "mns-q")
    }

    static let pendingStatus = DeliveryStatus.pending
    static let failedStatus = DeliveryStatus(state: .failed, isFinal: true, retryable: false)

    static func batch(receipts: [DeliveryReceipt] = [], replies: [InboundMessage] = [],
                      quarantine: [QuarantineEntry] = [], sends: [SendRecord] = [],
                      receivedAt: TimeInterval = 300, mnsMessageId: String? = nil) -> LedgerBatch {
        let when = at(receivedAt)
        return LedgerBatch(receipts: receipts.map { Received($0, mnsMessageId: mnsMessageId, receivedAt: when) },
                           replies: replies.map { Received($0, mnsMessageId: mnsMessageId, receivedAt: when) },
                           quarantine: quarantine.map { Received($0, mnsMessageId: mnsMessageId, receivedAt: when) },
                           sends: sends)
    }
}

extension LedgerStore {
    /// The single send matching `bizId` (and phone, when given), for assertions.
    func send(_ bizId: String, phone: String? = nil) async throws -> TrackedSend? {
        let found = try await sends(LedgerQuery(phoneNumber: phone, bizId: bizId))
        return found.count == 1 ? found[0] : nil
    }
}
