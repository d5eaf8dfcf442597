import ArgumentParser
import Foundation
import LedgerStore
import SMSLedgerConfig
import SMSLedgerCore
import SMSLedgerDaemon

/// `smsledger deliveries`: the webhook outbox seen from the operator's side.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "Webhook deliveries per endpoint: pending, failing, dead; replay, enable, disable.",
        discussion: """
            Every receipt, settled send, reply and quarantined body becomes an event that each \
            [[webhooks]] endpoint receives, signed as Standard Webhooks. A delivery that fails is \
            retried on [webhook_delivery] retry_schedule_seconds (about 3.5 days by default), then \
            kept as dead. An endpoint that answers 410 Gone is disabled until you enable it again.

            Examples:
              smsledger deliveries
                  per endpoint: enabled, pending, failing (last error), dead, delivered
              smsledger deliveries replay --event evt_1234
                  send one event again, with its webhook-id
              smsledger deliveries replay --since 6h --endpoint crm
                  everything of the last 6 hours, to crm only
              smsledger deliveries enable --endpoint crm
                  after a 410 Gone, once the URL is fixed
            """,
        subcommands: [DeliveriesSummaryCommand.self, DeliveriesReplayCommand.self, DeliveriesEnableCommand.self,
                      DeliveriesDisableCommand.self],
        defaultSubcommand: DeliveriesSummaryCommand.self)
}

/// Where the ledger is: `--config`, or `--store` to name the file.
struct LedgerLocation: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file naming the ledger.", valueName: "file"))
    var config: String = "/etc/smsledger/smsledger.toml"

    @Option(help: ArgumentHelp("Use this ledger file instead of the one in the configuration.", valueName: "path"))
    var store: String?

    /// The outbox to read: the ledger file read-only, or the configuration's PostgreSQL ledger.
    func openForReading() async throws -> any WebhookOutbox & LedgerStore {
        try Self.outbox(try await LedgerOptions.openLedger(config: config, store: store))
    }

    /// Read-write, for the commands that change delivery state. A file is opened read-only first, which
    /// checks that it exists and is a ledger at this build's schema: a typo never creates a new file.
    func openForWriting() async throws -> any WebhookOutbox & LedgerStore {
        let opened = try await LedgerOptions.openLedger(config: config, store: store)
        guard let reader = opened as? SQLiteLedgerStore else { return try Self.outbox(opened) }
        let path = reader.path
        await reader.close()
        do {
            return try SQLiteLedgerStore(at: path)
        } catch {
            throw CLIError("cannot open the ledger at \(path): \(error)", exitCode: 73)
        }
    }

    private static func outbox(_ store: any LedgerStore) throws -> any WebhookOutbox & LedgerStore {
        guard let outbox = store as? any WebhookOutbox & LedgerStore else {
            throw CLIError("this ledger has no webhook outbox", exitCode: 69)
        }
        return outbox
    }
}

/// Runs `body`, turning a ``CLIError`` into its message and exit code.
private func reportingCLIErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        FileOutput.writeError("smsledger: \(error.description)\n")
        throw ExitCode(error.exitCode)
    }
}

struct DeliveriesSummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Per endpoint: pending, failing (with the last error), dead, delivered, not yet fanned out.")
    @OptionGroup var location: LedgerLocation
    @Flag(help: "One JSON object per line instead of a table.")
    var json = false

    func run() async throws {
        try await reportingCLIErrors {
            let store = try await location.openForReading()
            let summaries = try await store.webhookDeliverySummary()
            await store.close()
            let rows = summaries.map { s in
                OutputRow(fields: [
                    ("endpoint", s.endpoint), ("enabled", s.disabledReason == nil), ("disabled_reason", s.disabledReason),
                    ("pending", s.pending), ("failing", s.failing), ("dead", s.dead), ("delivered", s.delivered),
                    ("backlog", s.backlog), ("last_error", s.lastError), ("last_error_at", s.lastErrorAt),
                ])
            }
            let columns = ["endpoint", "enabled", "pending", "failing", "dead", "delivered", "backlog", "last_error"]
            FileOutput.write(json ? RowRendering.jsonLines(rows) : RowRendering.table(rows, columns: columns))
        }
    }
}

struct DeliveriesReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Send events again (same webhook-id), with a fresh retry schedule.",
        discussion: """
            Delivered, failing and dead deliveries alike become pending and due now; the running \
            daemon picks them up within its poll interval. Events already pruned cannot be replayed. \
            Each endpoint gets only the event types its `events` names in the configuration (with \
            --store and no readable --config: every type).
            """)
    @OptionGroup var location: LedgerLocation
    @Option(help: ArgumentHelp("One event, by its webhook-id (evt_123).", valueName: "id"))
    var event: String?
    @Option(help: ArgumentHelp("Every event from this time: RFC 3339, a date, or an age (6h, 2d).", valueName: "time"))
    var since: String?
    @Option(help: ArgumentHelp("Only to this endpoint (default: every endpoint).", valueName: "name"))
    var endpoint: String?

    func validate() throws {
        guard (event == nil) != (since == nil) else { throw ValidationError("give exactly one of --event and --since") }
        if let event, WebhookEventID.sequence(event) == nil {
            throw ValidationError("--event '\(event)' is not an event id like evt_123")
        }
        if let since { _ = try TimeArgument.parse(since, option: "--since") }
    }

    func run() async throws {
        try await reportingCLIErrors {
            let events: WebhookReplaySelection.Events = if let event, let sequence = WebhookEventID.sequence(event) {
                .one(sequence: sequence)
            } else {
                .since(try TimeArgument.parse(since ?? "", option: "--since"))
            }
            let store = try await location.openForWriting()
            let selection = WebhookReplaySelection(events: events, endpoint: endpoint,
                                                   eventTypes: try subscribedTypes())
            let count = try await store.replayWebhookEvents(selection, now: Date())
            await store.close()
            FileOutput.write("\(count) deliveries queued again\n")
            if count == 0 { throw CLIError("nothing to replay: no such event, or no such endpoint", exitCode: 1) }
        }
    }

    /// Each configured endpoint's event types. Without `--store` the configuration names the ledger
    /// and must load; with it, a configuration that is not there means no filter.
    private func subscribedTypes() throws -> [String: Set<WebhookEventType>] {
        guard location.store == nil || FileManager.default.fileExists(atPath: location.config) else { return [:] }
        let configuration = try LedgerOptions.loadConfiguration(location.config)
        return Dictionary(configuration.webhooks.endpoints.map { ($0.name, $0.events) }, uniquingKeysWith: { a, _ in a })
    }
}

struct DeliveriesEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable", abstract: "Resume delivering to an endpoint (e.g. after it answered 410 Gone).",
        discussion: "The running daemon notices within its poll interval; pending deliveries go out first.")
    @OptionGroup var location: LedgerLocation
    @Option(help: ArgumentHelp("The endpoint's name in [[webhooks]].", valueName: "name"))
    var endpoint: String

    func run() async throws {
        try await reportingCLIErrors { try await setEndpoint(location, endpoint, disabledReason: nil) }
    }
}

struct DeliveriesDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Stop delivering to an endpoint without editing the config; events keep queueing.")
    @OptionGroup var location: LedgerLocation
    @Option(help: ArgumentHelp("The endpoint's name in [[webhooks]].", valueName: "name"))
    var endpoint: String

    func run() async throws {
        try await reportingCLIErrors { try await setEndpoint(location, endpoint, disabledReason: "disabled by an operator") }
    }
}

private func setEndpoint(_ location: LedgerLocation, _ name: String, disabledReason: String?) async throws {
    let store = try await location.openForWriting()
    let found = try await store.setWebhookEndpoint(name, disabledReason: disabledReason, at: Date())
    await store.close()
    guard found else {
        throw CLIError("no endpoint named '\(name)' in this ledger (the daemon registers [[webhooks]] at start)")
    }
    FileOutput.write("\(name) \(disabledReason == nil ? "enabled" : "disabled")\n")
}
