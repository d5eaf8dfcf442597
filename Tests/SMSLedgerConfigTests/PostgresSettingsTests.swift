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

@Suite("[store] backend = \"postgresql\"")
struct PostgresStoreConfigTests {
    @Test("url, pool size and the password from the environment reach the configuration")
    func fullSetup() throws {
        let config = try load("""
            [store]
            backend = "postgresql"
            url = "postgresql://ledger@db.internal:6543/sms?sslmode=require"
            pool_size = 12
            password_env = "LEDGER_DB_PASSWORD"
            """, environment: ["LEDGER_DB_PASSWORD": "s3cret"]).configuration
        #expect(config.store.backend == .postgresql)
        #expect(config.store.postgres.url == "postgresql://ledger@db.internal:6543/sms?sslmode=require")
        #expect(config.store.postgres.poolSize == 12)
        #expect(config.store.postgres.password?.reveal() == "s3cret")
    }

    @Test("the backend without a URL names store.backend and its line")
    func missingURL() throws {
        let error = try #require(errors(loading: "[store]\n\nbackend = \"postgresql\"\n").first)
        #expect(error.key == "store.backend")
        #expect(error.line == 3)
        #expect(error.message.contains("needs store.url"), "\(error.message)")
    }

    @Test("a wrong URL names store.url, its line and the part that is wrong")
    func wrongURL() throws {
        let error = try #require(errors(loading: "[store]\nbackend = \"postgresql\"\nurl = \"postgresql://db/x?sslmode=maybe\"\n").first)
        #expect(error.key == "store.url")
        #expect(error.line == 3)
        #expect(error.message.contains("sslmode 'maybe'"), "\(error.message)")
    }

    @Test("a password inside the URL is refused, so it never sits in a readable file")
    func passwordInURL() throws {
        let error = try #require(errors(loading: "[store]\nbackend = \"postgresql\"\nurl = \"postgresql://u:pw@db/x\"\n").first)
        #expect(error.key == "store.url")
        #expect(error.message.contains("password_file"), "\(error.message)")
        #expect(!error.message.contains("pw@"), "the message does not repeat the password")
    }
}
