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

    /// A fresh, empty store with every capability the daemon uses.
    func open() async throws -> any LedgerStore & LedgerRetention & LedgerGaugeSource {
        switch self {
        case .sqlite: try TemporaryLedger().open()
        case .postgresql: try await TemporaryPostgresLedger.open()
        }
    }

    func discard(_ store: any LedgerStore) async {
        switch self {
        case .sqlite: await TemporaryLedger.harness.discard(store)
        case .postgresql: await TemporaryPostgresLedger.discard(store)
        }
    }
}
