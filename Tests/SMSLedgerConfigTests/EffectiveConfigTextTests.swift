import Testing
@testable import SMSLedgerConfig

@Suite("Effective configuration text")
struct EffectiveConfigTextTests {
    @Test func showsWhereSecretsComeFromButNeverTheirValues() throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("alibaba.secret", "topsecretvalue", mode: 0o600)
        let loaded = try load("[alibaba]\naccess_key_id = \"LTAIexample\"\naccess_key_secret_file = \"\(path)\"\n"
            + "[http]\nbearer_token = \"inlinetokenvalue\"\n")
        let text = ConfigLoader.effectiveConfigText(loaded.configuration)
        #expect(text.contains("access_key_id = \"LTAIexample\""))
        #expect(text.contains("access_key_secret = \"<redacted> (from file \(path))\""))
        #expect(text.contains("bearer_token = \"<redacted> (inline in test.toml:5)\""))
        #expect(text.contains("# api_key: not set"))
        #expect(!text.contains("topsecretvalue"))
        #expect(!text.contains("inlinetokenvalue"))
    }

    @Test func listsEveryKeyWithItsEffectiveValue() throws {
        let config = try load("[queues]\naccount_uid = \"1234\"\n[polling]\nwait_seconds = 3\n").configuration
        let text = ConfigLoader.effectiveConfigText(config)
        #expect(text.contains("wait_seconds = 3\n"))
        #expect(text.contains("sms_report = \"Alicom-Queue-1234-SmsReport\"\n"))
        #expect(text.contains("backoff_seconds = [3600, 14400, 43200, 86400]\n"))
        #expect(text.contains("busy_timeout_ms = 5000\n"))
        for spec in ConfigurationSchema.specs where !spec.key.name.hasSuffix("_file") && !spec.key.name.hasSuffix("_env")
            && !spec.key.name.hasSuffix("_credential") {
            #expect(text.contains("\(spec.key.name) = ") || text.contains("# \(spec.key.name): not set"), "\(spec.key)")
        }
    }

    @Test func textWithoutSecretsLoadsBackIntoTheSameConfiguration() throws {
        let original = try load("""
            [alibaba]
            access_key_id = "id \\"quoted\\""
            [queues]
            account_uid = "42"
            sms_up_enabled = false
            [compensation]
            max_qps = 0.5
            backoff_seconds = [10, 20]
            [http]
            listen = "[::1]:9000"
            [logging]
            format = "journal"
            """).configuration
        let reloaded = try load(ConfigLoader.effectiveConfigText(original)).configuration
        #expect(reloaded == original)
    }
}
