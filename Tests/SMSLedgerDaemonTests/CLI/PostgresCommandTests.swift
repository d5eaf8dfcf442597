import Foundation
import Testing

enum TestPostgresServer {
    static let url = ProcessInfo.processInfo.environment["LEDGER_TEST_POSTGRES_URL"]
}

/// The commands an operator runs against a shared ledger: `[store] backend = "postgresql"` in the
/// configuration, nothing else different. Needs the server `Tests/run.sh` starts
/// (`LEDGER_TEST_POSTGRES_URL`); each test gets a database of its own, made and dropped with psql.
@Suite("The command line on a PostgreSQL ledger", .enabled(if: TestPostgresServer.url != nil,
                                                          "LEDGER_TEST_POSTGRES_URL names no server"))
struct PostgresCommandTests {
    static let server = TestPostgresServer.url

    /// Runs `body` with a config file whose ledger is a new database on the test server.
    private func withLedger(_ body: (String) throws -> Void) throws {
        let server = try #require(Self.server)
        let database = "cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try psql(server, "CREATE DATABASE \(database)")
        defer { try? psql(server, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let url = server.replacingOccurrences(of: "/postgres?", with: "/\(database)?")
        let config = try CommandLineTests.temporaryDirectory().appendingPathComponent("smsledger.toml").path
        try "[store]\nbackend = \"postgresql\"\nurl = \"\(url)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        try body(config)
    }

    private func psql(_ server: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [server, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    }

    @Test("track, then the readers and prune, against the configuration's PostgreSQL ledger")
    func trackReadAndPrune() throws {
        try withLedger { config in
            let sentAt = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-86_400))
            let track = try CommandLineTests.run(["track", "--config", config, "--biz-id", "pg-1^0",
                                                  "--phone", "13800000001", "--sent-at", sentAt, "--out-id", "order-1"])
            #expect(track.status == 0, "\(track.stderr)")

            let sends = try CommandLineTests.run(["sends", "--config", config, "--json"])
            #expect(sends.status == 0, "\(sends.stderr)")
            let row = try JSONSerialization.jsonObject(with: Data(sends.stdout.utf8)) as? [String: Any]
            #expect(row?["biz_id"] as? String == "pg-1^0")
            #expect(row?["out_id"] as? String == "order-1")
            #expect(row?["state"] as? String == "pending")

            let receipts = try CommandLineTests.run(["receipts", "--config", config, "--phone", "13800000001"])
            #expect(receipts.status == 0, "\(receipts.stderr)")

            let dry = try CommandLineTests.run(["prune", "--config", config, "--retention-days", "1", "--dry-run"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("sends       0"), "an open send inside the 30-day window stays: \(dry.stdout)")

            let deliveries = try CommandLineTests.run(["deliveries", "--config", config])
            #expect(deliveries.status == 0, "\(deliveries.stderr)")

            let stats = try CommandLineTests.run(["stats", "--config", config, "--since", "7d", "--json"])
            #expect(stats.status == 0, "\(stats.stderr)")
            #expect(stats.stdout.contains("\"sends\":1"), "\(stats.stdout)")

            let export = try CommandLineTests.run(["export", "--config", config, "--kind", "sends", "--format", "csv"])
            #expect(export.status == 0, "\(export.stderr)")
            #expect(export.stdout.contains("pg-1^0"), "\(export.stdout)")
        }
    }

    @Test("backup names what it needs instead of touching the shared ledger")
    func backupIsForFiles() throws {
        try withLedger { config in
            let file = try CommandLineTests.temporaryDirectory().appendingPathComponent("copy.sqlite").path
            let backup = try CommandLineTests.run(["backup", file, "--config", config])
            #expect(backup.status == 64)
            #expect(backup.stderr.contains("SQLite ledger file only"), "\(backup.stderr)")
            #expect(!FileManager.default.fileExists(atPath: file))
        }
    }
}
