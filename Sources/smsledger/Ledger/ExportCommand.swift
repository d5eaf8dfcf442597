import ArgumentParser
import SMSLedgerDaemon
import Foundation
import LedgerStore
import Parsers

/// `smsledger export`: a table's rows in a time window, streamed for other tools.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Stream a table's rows in a time window as JSON lines or CSV, oldest first.",
        discussion: """
            Reads the ledger (a SQLite file read-only, or the configuration's PostgreSQL ledger) a \
            page of rows at a time, so memory stays flat however many rows there are and the daemon \
            can keep running. The fields are those of `--json` of the listing commands (receipts, \
            replies, sends, quarantine), times in RFC 3339 UTC, bodies as UTF-8 text (base64 when \
            they are not text).

            CSV follows RFC 4180: a header line, CRLF line ends, UTF-8, and fields with commas, quotes \
            or line breaks quoted (SMS content often has all three). The time window is on each \
            table's time column: received_at for receipts and replies, sent_at for sends (sends \
            without a send time are not exported), last_seen for quarantine.

            Examples:
              smsledger export --kind replies --since 2026-11-01 --until 2026-12-01 --format csv > replies.csv
              smsledger export --kind receipts --since 1d | jq -r .provider_code | sort | uniq -c
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, csv
    }

    @OptionGroup var ledger: LedgerFileOptions

    @Option(help: ArgumentHelp("receipts, replies, sends or quarantine.", valueName: "kind"))
    var kind: LedgerRecordKind

    @Option(help: ArgumentHelp("From this time (inclusive): RFC 3339, a date (UTC) or an age (30m, 6h, 7d ago).",
                               valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Before this time (exclusive); same forms as --since.", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("jsonl (one JSON object per line) or csv.", valueName: "format"))
    var format: Format = .jsonl

    /// Rows per page (per read of the ledger).
    static let pageSize = 1000

    func validate() throws {
        if let since { _ = try TimeArgument.parse(since, option: "--since") }
        if let until { _ = try TimeArgument.parse(until, option: "--until") }
    }

    func run() async throws {
        let now = Date()
        let from = try since.map { try TimeArgument.parse($0, option: "--since", now: now) }
        let to = try until.map { try TimeArgument.parse($0, option: "--until", now: now) }
        try await CLIError.reporting {
            let store = try await LedgerOptions.openLedger(config: ledger.config, store: ledger.store)
            do {
                guard let source = store as? any LedgerExportSource else {
                    throw CLIError("this ledger cannot be exported", exitCode: 69)
                }
                try await stream(source, from: from, to: to)
            } catch let error as CLIError {
                await store.close()
                throw error
            } catch {
                await store.close()
                throw CLIError("cannot export the \(kind.rawValue): \(error)")
            }
            await store.close()
        }
    }

    /// Writes every page as it arrives: one page of rows in memory at a time, whatever the window.
    private func stream(_ source: any LedgerExportSource, from: Date?, to: Date?) async throws {
        var cursor: ExportCursor?
        var wroteHeader = false
        repeat {
            let page = try await source.exportPage(kind, from: from, to: to, after: cursor, limit: Self.pageSize)
            let rows = page.records.map(LedgerRows.record)
            var text = ""
            if format == .csv, !wroteHeader, let first = rows.first {
                text += CSVText.record(first.fields.map(\.0))
                wroteHeader = true
            }
            text += format == .csv ? rows.map(Self.csv).joined() : RowRendering.jsonLines(rows)
            FileOutput.write(text)
            cursor = page.next
        } while cursor != nil
    }

    static func csv(_ row: OutputRow) -> String {
        CSVText.record(row.fields.map { _, value in
            switch RowRendering.jsonValue(value) {
            case is NSNull: nil
            case let text as String: text
            case let flag as Bool: flag ? "true" : "false"
            case let other: "\(other)"
            }
        })
    }
}

extension LedgerRecordKind: ExpressibleByArgument {}
