import Testing

/// The shared conformance suite, run against the SQLite store. A PostgreSQL store gets the same
/// three lines with its own harness.
@Suite("SQLite ledger store conformance")
struct SQLiteConformanceTests {
    @Test(arguments: ConformanceCheck.allCases)
    func conforms(_ check: ConformanceCheck) async throws {
        try await check.run(on: TemporaryLedger.harness)
    }
}
