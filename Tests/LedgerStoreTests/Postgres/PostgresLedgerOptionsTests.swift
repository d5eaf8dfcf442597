import LedgerPostgres
import Testing

@Suite("PostgreSQL connection URL")
struct PostgresLedgerOptionsTests {
    @Test("every part of a full URL is read")
    func fullURL() throws {
        let options = try PostgresLedgerOptions(url: "postgresql://ledger:pw@db.internal:6543/sms?sslmode=require", poolSize: 3)
        #expect(options.host == "db.internal")
        #expect(options.port == 6543)
        #expect(options.username == "ledger")
        #expect(options.password == "pw")
        #expect(options.database == "sms")
        #expect(options.tls == .require)
        #expect(options.poolSize == 3)
        #expect(options.redactedURL == "postgresql://ledger@db.internal:6543/sms?sslmode=require", "no password")
    }

    @Test("defaults: port 5432, user and database smsledger, sslmode prefer")
    func defaults() throws {
        let options = try PostgresLedgerOptions(url: "postgres://10.0.0.5")
        #expect(options.port == 5432)
        #expect(options.username == "smsledger")
        #expect(options.database == "smsledger")
        #expect(options.tls == .prefer)
        #expect(options.password == nil)
    }

    @Test("a wrong URL says which part is wrong", arguments: [
        ("mysql://h/db", "scheme"), ("postgresql:///db", "no host"), ("postgresql://h/a/b", "one database"),
        ("postgresql://h/db?sslmode=verify-full", "sslmode"), ("postgresql://h/db?timeout=3", "timeout"),
        ("not a url", "not a URL"),
    ])
    func wrongURL(_ text: String, _ named: String) {
        #expect {
            _ = try PostgresLedgerOptions(url: text)
        } throws: { error in
            "\(error)".contains(named)
        }
    }
}
