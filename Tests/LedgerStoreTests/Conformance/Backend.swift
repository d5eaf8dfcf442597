import LedgerPostgres
import LedgerStore
import Testing

/// The ledger backends a test can run against: SQLite always, PostgreSQL when `Tests/run.sh` started
/// a server for the tests (TemporaryPostgresLedger).
enum Backend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    static var available: [Backend] {
        TemporaryPostgresLedger.isAvailable ? [.sqlite, .postgresql] : [.sqlite]
    }

    var testDescription: String { rawValue }

    /// A fresh, empty store with every capability the daemon and the CLI use; `webhookEvents` makes it
    /// write the outbox in each commit, as while webhook endpoints are configured.
    func open(webhookEvents: Bool = false) async throws
        -> any LedgerStore & LedgerRetention & LedgerGaugeSource & WebhookOutbox & LedgerStatisticsSource
            & LedgerExportSource {
        switch self {
        case .sqlite:
            var options = SQLiteLedgerOptions()
            options.webhookEvents = webhookEvents
            return try TemporaryLedger().open(options)
        case .postgresql:
            return try await TemporaryPostgresLedger.open(webhookEvents: webhookEvents)
        }
    }

    func discard(_ store: any LedgerStore) async {
        switch self {
        case .sqlite: await TemporaryLedger.harness.discard(store)
        case .postgresql: await TemporaryPostgresLedger.discard(store)
        }
    }
}
