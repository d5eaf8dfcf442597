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
    func rows(from store: any LedgerStore, query: LedgerQuery) async throws -> [OutputRow]
}

extension LedgerReadCommand {
    func run() async throws {
        do {
            let store = try await options.openLedger()
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

    func rows(from store: any LedgerStore, query: LedgerQuery) async throws -> [OutputRow] {
        try await store.receipts(query).map(LedgerRows.receipt)
    }
}

struct RepliesCommand: LedgerReadCommand {
    static let configuration = CommandConfiguration(
        commandName: "replies",
        abstract: "Replies from phones (SmsUp), newest first.")
    @OptionGroup var options: LedgerOptions
    static let tableColumns = ["received_at", "phone_number", "dest_code", "sent_at", "content"]

    func rows(from store: any LedgerStore, query: LedgerQuery) async throws -> [OutputRow] {
        try await store.replies(query).map(LedgerRows.reply)
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

    func rows(from store: any LedgerStore, query: LedgerQuery) async throws -> [OutputRow] {
        try await store.sends(query).map(LedgerRows.send)
    }
}

struct QuarantineCommand: LedgerReadCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Messages that could not be normalised, kept whole with the reason.",
        discussion: "Filters other than the time range do not apply: quarantined bodies could not be parsed.")
    @OptionGroup var options: LedgerOptions
    static let tableColumns = ["last_seen", "source", "count", "reason", "context"]

    func rows(from store: any LedgerStore, query: LedgerQuery) async throws -> [OutputRow] {
        try await store.quarantine(query).map(LedgerRows.quarantined)
    }
}
