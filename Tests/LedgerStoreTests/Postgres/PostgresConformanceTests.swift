import Testing

/// The shared conformance suite, run against the PostgreSQL store: a database of its own per check.
@Suite("PostgreSQL ledger store conformance", .enabled(if: TemporaryPostgresLedger.isAvailable,
                                                       "LEDGER_TEST_POSTGRES_URL names no server"))
struct PostgresConformanceTests {
    @Test(arguments: ConformanceCheck.allCases)
    func conforms(_ check: ConformanceCheck) async throws {
        try await check.run(on: TemporaryPostgresLedger.harness)
    }
}
