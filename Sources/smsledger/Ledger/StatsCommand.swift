import ArgumentParser
import Foundation
import LedgerStore
import SMSLedgerDaemon

/// `smsledger stats`: how deliveries went, for a person at a terminal or a script reading JSON lines.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Delivery statistics of the sends in a time window.",
        discussion: """
            Counts the sends whose send time is in the window: delivered, failed, expired, unknown \
            (final) and pending (not final yet); the delivery rate (delivered among the final ones); \
            the median and p95 time from send to final report; and the most frequent error codes of \
            failed and expired sends, with the provider's text.

            --by day groups by calendar day in Beijing time (UTC+8), where the business sends from. \
            --by error puts every send that did not fail or expire in the group "-". Sends without a \
            send time are never counted.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file naming the ledger.", valueName: "file"))
    var config: String = "/etc/smsledger/smsledger.toml"

    @Option(help: ArgumentHelp("Read this ledger file instead of the one in the configuration.", valueName: "path"))
    var store: String?

    @Option(help: ArgumentHelp("""
        Sends from this time: an age (30m, 6h, 7d ago), RFC 3339 or a date (UTC).
        """, valueName: "time"))
    var since: String = "7d"

    @Option(help: ArgumentHelp("Sends before this time (same forms as --since); default now.", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("Group by day (Beijing), template, provider or error.", valueName: "group"))
    var by: StatisticsGrouping?

    @Option(help: "How many error codes to list.")
    var top: Int = 5

    @Flag(help: "One JSON object per group (snake_case fields) instead of a table.")
    var json = false

    func validate() throws {
        guard (0...100).contains(top) else { throw ValidationError("--top must be in 0...100") }
        _ = try TimeArgument.parse(since, option: "--since")
        if let until { _ = try TimeArgument.parse(until, option: "--until") }
    }

    func run() async throws {
        let now = Date()
        let query = StatisticsQuery(from: try TimeArgument.parse(since, option: "--since", now: now),
                                    to: try until.map { try TimeArgument.parse($0, option: "--until", now: now) },
                                    grouping: by ?? .none, topErrors: top)
        do {
            let ledger = try await LedgerOptions.openLedger(config: config, store: store)
            let statistics: DeliveryStatistics
            do {
                guard let source = ledger as? any LedgerStatisticsSource else {
                    throw CLIError("this ledger cannot compute delivery statistics", exitCode: 69)
                }
                statistics = try await source.statistics(query)
            } catch let error as CLIError {
                await ledger.close()
                throw error
            } catch {
                await ledger.close()
                throw CLIError("cannot read the statistics: \(error)")
            }
            await ledger.close()
            FileOutput.write(json ? StatsRendering.jsonLines(statistics, query: query)
                                  : StatsRendering.table(statistics, query: query))
        } catch let error as CLIError {
            FileOutput.writeError("smsledger: \(error.description)\n")
            throw ExitCode(error.exitCode)
        }
    }
}

extension StatisticsGrouping: ExpressibleByArgument {
    /// `none` is the default, not something to type.
    public static var allValueStrings: [String] { allCases.filter { $0 != .none }.map(\.rawValue) }
}
