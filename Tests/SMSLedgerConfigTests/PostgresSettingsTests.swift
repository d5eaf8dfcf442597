import SMSLedgerConfig
import Testing

@Suite("PostgreSQL connection URL")
struct PostgresSettingsTests {
    @Test("every part of a full URL is read")
    func fullURL() throws {
        let (settings, password) = try PostgresSettings.parse(url: "postgresql://ledger:pw@db.internal:6543/sms?sslmode=require")
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6543)
        #expect(settings.username == "ledger")
        #expect(password == "pw")
        #expect(settings.database == "sms")
        #expect(settings.tls == .require)
        #expect(settings.url == "postgresql://ledger@db.internal:6543/sms?sslmode=require", "no password")
    }

    @Test("defaults: port 5432, user and database smsledger, sslmode prefer")
    func defaults() throws {
        let (settings, password) = try PostgresSettings.parse(url: "postgres://10.0.0.5")
        #expect(settings.port == 5432)
        #expect(settings.username == "smsledger")
        #expect(settings.database == "smsledger")
        #expect(settings.tls == .prefer)
        #expect(password == nil)
    }

    @Test("a wrong URL says which part is wrong", arguments: [
        ("mysql://h/db", "scheme"), ("postgresql:///db", "no host"), ("postgresql://h/a/b", "one database"),
        ("postgresql://h/db?sslmode=verify-full", "sslmode"), ("postgresql://h/db?timeout=3", "timeout"),
        ("not a url", "not a URL"),
    ])
    func wrongURL(_ text: String, _ named: String) {
        #expect {
            _ = try PostgresSettings.parse(url: text)
        } throws: { error in
            "\(error)".contains(named)
        }
    }
}
