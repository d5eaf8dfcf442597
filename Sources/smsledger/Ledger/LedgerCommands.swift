import ArgumentParser
import Foundation
import SMSLedgerDaemon
import LedgerStore
import SMSLedgerCore

/// One row of output: ordered snake_case fields. The table shows `tableColumns`; JSON shows all.
struct OutputRow {
    var fields: [(String, Any?)]
}

protocol LedgerReadCommand: AsyncParsableCommand {
    var options: LedgerOptions { get }
    static var tableColumns: [String] { get }
    func rows(from store: SQLiteLedgerStore, query: LedgerQuery) async throws -> [OutputRow]
}

extension LedgerReadCommand {
    func run() async throws {
        do {
            let store = try options.openStore()
            let rows = try await self.rows(from: store, query: try options.query())
            await store.close()
            FileOutput.write(options.json ? RowRendering.jsonLines(rows) : RowRendering.table(rows, columns: Self.tableColumns))
        } catch let error as CLIError {
            FileOutput.writeError("smsledger: \(error.description)\n")
            throw ExitCode(error.exitCode)
        }
    }
}

struct ReceiptsCommand: LedgerReadCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipts",
        abstract: "Status reports received (history: every distinct report, newest first).",
        discussion: "Each report keeps the provider's own code and text and the raw body (in --json).")
    @OptionGroup var options: LedgerOptions
    static let tableColumns = ["received_at", "source", "biz_id", "phone_number", "state", "final", "provider_code", "reported_at"]

    func rows(from store: SQLiteLedgerStore, query: LedgerQuery) async throws -> [OutputRow] {
        try await store.receipts(query).map { stored in
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
    }
}

struct RepliesCommand: LedgerReadCommand {
    static let configuration = CommandConfiguration(
        commandName: "replies",
        abstract: "Replies from phones (SmsUp), newest first.")
    @OptionGroup var options: LedgerOptions
    static let tableColumns = ["received_at", "phone_number", "dest_code", "sent_at", "content"]

    func rows(from store: SQLiteLedgerStore, query: LedgerQuery) async throws -> [OutputRow] {
        try await store.replies(query).map { stored in
            let m = stored.message
            return OutputRow(fields: [
                ("id", stored.id), ("received_at", stored.receivedAt), ("phone_number", m.phoneNumber),
                ("content", m.content), ("sent_at", m.sentAt), ("dest_code", m.destCode), ("sequence_id", m.sequenceId),
                ("sign_name", m.signName), ("mns_message_id", stored.mnsMessageId), ("raw_body", m.rawBody),
            ])
        }
    }
}

struct SendsCommand: LedgerReadCommand {
    static let configuration = CommandConfiguration(
        commandName: "sends",
        abstract: "Known sends and where each one stands now.",
        discussion: """
            A send is known when it was recorded (smsledger send / track, POST /v1/sends) or when a \
            receipt named it first (then `tracked` is false until it is recorded).
            """)
    @OptionGroup var options: LedgerOptions
    static let tableColumns = ["sent_at", "provider", "biz_id", "phone_number", "out_id", "state", "final", "provider_code"]

    func rows(from store: SQLiteLedgerStore, query: LedgerQuery) async throws -> [OutputRow] {
        try await store.sends(query).map { s in
            OutputRow(fields: [
                ("id", s.id), ("provider", s.key.provider.rawValue), ("biz_id", s.key.bizId),
                ("phone_number", s.key.phoneNumber), ("out_id", s.outId), ("sent_at", s.sentAt),
                ("template_code", s.templateCode), ("sign_name", s.signName), ("tracked", s.tracked),
                ("state", s.status.state.rawValue), ("final", s.status.isFinal), ("retryable", s.status.retryable),
                ("provider_code", s.providerCode), ("last_report_at", s.lastReportAt), ("next_check_at", s.nextCheckAt),
                ("check_count", s.checkCount), ("last_checked_at", s.lastCheckedAt), ("closed_reason", s.closedReason),
            ])
        }
    }
}

struct QuarantineCommand: LedgerReadCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Messages that could not be normalised, kept whole with the reason.",
        discussion: "Filters other than the time range do not apply: quarantined bodies could not be parsed.")
    @OptionGroup var options: LedgerOptions
    static let tableColumns = ["last_seen", "source", "count", "reason", "context"]

    func rows(from store: SQLiteLedgerStore, query: LedgerQuery) async throws -> [OutputRow] {
        try await store.quarantine(query).map { q in
            OutputRow(fields: [
                ("id", q.id), ("source", q.entry.source.rawValue), ("reason", q.entry.reason), ("context", q.entry.context),
                ("first_seen", q.firstSeen), ("last_seen", q.lastSeen), ("count", q.count), ("digest", q.digest),
                ("raw_body", q.entry.rawBody),
            ])
        }
    }
}
