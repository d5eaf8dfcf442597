import Foundation
import LedgerStore

/// Every table's rows as output fields, in one place: the listing commands and `export` show the
/// same snake_case fields in the same order.
enum LedgerRows {
    static func receipt(_ stored: StoredReceipt) -> OutputRow {
        let r = stored.receipt
        return OutputRow(fields: [
            ("id", stored.id), ("received_at", stored.receivedAt), ("provider", r.provider.rawValue),
            ("source", r.source.rawValue), ("biz_id", r.bizId), ("out_id", r.outId), ("phone_number", r.phoneNumber),
            ("state", r.status.state.rawValue), ("final", r.status.isFinal), ("retryable", r.status.retryable),
            ("provider_code", r.providerCode), ("provider_text", r.providerText), ("sent_at", r.sentAt),
            ("reported_at", r.reportedAt), ("sms_size", r.smsSize), ("mns_message_id", stored.mnsMessageId),
            ("raw_body", r.rawBody),
        ])
    }

    static func reply(_ stored: StoredReply) -> OutputRow {
        let m = stored.message
        return OutputRow(fields: [
            ("id", stored.id), ("received_at", stored.receivedAt), ("phone_number", m.phoneNumber),
            ("content", m.content), ("sent_at", m.sentAt), ("dest_code", m.destCode), ("sequence_id", m.sequenceId),
            ("sign_name", m.signName), ("mns_message_id", stored.mnsMessageId), ("raw_body", m.rawBody),
        ])
    }

    static func send(_ s: TrackedSend) -> OutputRow {
        OutputRow(fields: [
            ("id", s.id), ("provider", s.key.provider.rawValue), ("biz_id", s.key.bizId),
            ("phone_number", s.key.phoneNumber), ("out_id", s.outId), ("sent_at", s.sentAt),
            ("template_code", s.templateCode), ("sign_name", s.signName), ("tracked", s.tracked),
            ("state", s.status.state.rawValue), ("final", s.status.isFinal), ("retryable", s.status.retryable),
            ("provider_code", s.providerCode), ("last_report_at", s.lastReportAt), ("next_check_at", s.nextCheckAt),
            ("check_count", s.checkCount), ("last_checked_at", s.lastCheckedAt), ("closed_reason", s.closedReason),
        ])
    }

    static func quarantined(_ q: StoredQuarantine) -> OutputRow {
        OutputRow(fields: [
            ("id", q.id), ("source", q.entry.source.rawValue), ("reason", q.entry.reason), ("context", q.entry.context),
            ("first_seen", q.firstSeen), ("last_seen", q.lastSeen), ("count", q.count), ("digest", q.digest),
            ("raw_body", q.entry.rawBody),
        ])
    }

    static func record(_ record: LedgerRecord) -> OutputRow {
        switch record {
        case .receipt(let row): receipt(row)
        case .reply(let row): reply(row)
        case .send(let row): send(row)
        case .quarantine(let row): quarantined(row)
        }
    }
}
