import Foundation
import LedgerPostgres
import LedgerStore
import Logging
import PostgresNIO
import SMSLedgerConfig
import Testing

/// A throwaway database per test on the server that `Tests/run.sh` starts (a private cluster on
/// loopback, removed afterwards). The server is named by `LEDGER_TEST_POSTGRES_URL`, for instance
/// `postgresql://postgres@127.0.0.1:55432/postgres?sslmode=disable`; without it the PostgreSQL suites
/// are skipped (`swift test` alone), and `Tests/run.sh` fails when they did not run.
enum TemporaryPostgresLedger {
    static let serverURL = ProcessInfo.processInfo.environment["LEDGER_TEST_POSTGRES_URL"]

    static var isAvailable: Bool { serverURL != nil }

    /// The server's options with `database` in place of the URL's.
    static func options(database: String, poolSize: Int = 4) throws -> PostgresLedgerOptions {
        let (server, password) = try PostgresSettings.parse(url: serverURL ?? "")
        return PostgresLedgerOptions(host: server.host, port: server.port, username: server.username, password: password,
                                     database: database, tls: .disable, poolSize: poolSize)
    }

    /// Creates an empty database with a name of its own and returns that name.
    static func createDatabase() async throws -> String {
        let name = "ledger_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await admin("CREATE DATABASE \(name)")
        return name
    }

    static func dropDatabase(_ name: String) async {
        try? await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// A fresh store on a fresh database.
    static func open(webhookEvents: Bool = false) async throws -> PostgresLedgerStore {
        var options = try options(database: try await createDatabase())
        options.webhookEvents = webhookEvents
        return try await PostgresLedgerStore(options: options)
    }

    static func discard(_ store: any LedgerStore) async {
        await store.close()
        if let postgres = store as? PostgresLedgerStore { await dropDatabase(postgres.options.database) }
    }

    static let harness = LedgerStoreHarness(open: { try await open() }, discard: { await discard($0) })

    /// Runs one statement on the server's own database, outside any store.
    static func admin(_ sql: String) async throws {
        let options = try self.options(database: "postgres")
        let configuration = PostgresConnection.Configuration(
            host: options.host, port: options.port, username: options.username, password: options.password,
            database: options.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1,
                                                              logger: Logger(label: "ledger-tests.admin"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "ledger-tests.admin"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
