import Foundation
import Testing
@testable import SMSLedgerConfig

@Suite("Secrets and where they come from")
struct SecretTests {
    private let secretValue = "s3cr3t-VALUE-never-shown"

    @Test func secretPrintsRedactedEverywhere() {
        let secret = Secret(secretValue, source: .file(path: "/etc/x"))
        var dumped = ""
        dump(secret, to: &dumped)
        for text in [secret.description, secret.debugDescription, "\(secret)", String(reflecting: secret), dumped] {
            #expect(!text.contains(secretValue), "\(text)")
        }
        #expect("\(secret)" == "<redacted>")
        #expect(secret.reveal() == secretValue)
    }

    @Test func readsTheSecretFromAPrivateFile() throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("alibaba.secret", secretValue + "\n", mode: 0o600)
        let loaded = try load("[alibaba]\naccess_key_id = \"id\"\naccess_key_secret_file = \"\(path)\"\n")
        let secret = try #require(loaded.configuration.alibaba.accessKeySecret)
        #expect(secret.reveal() == secretValue)
        #expect(secret.source == .file(path: path))
    }

    @Test func refusesAFileReadableByGroupOrOthersWithAChmodHint() throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("alibaba.secret", secretValue, mode: 0o640)
        let error = try #require(errors(loading: "[alibaba]\naccess_key_secret_file = \"\(path)\"\n").first)
        #expect(error.message == "alibaba.access_key_secret_file at test.toml:2: secret file \(path) is readable by "
            + "group or others (mode 0640); run `chmod 600 \(path)`")
        #expect(!error.message.contains(secretValue))
    }

    @Test func missingSecretFileIsAnErrorNamingThePath() throws {
        let error = try #require(errors(loading: "[http]\nbearer_token_file = \"/nonexistent/token\"\n").first)
        #expect(error.message == "http.bearer_token_file at test.toml:2: cannot read secret file /nonexistent/token: no such file")
    }

    @Test func readsTheSecretFromANamedEnvironmentVariable() throws {
        let loaded = try load("[alibaba]\naccess_key_secret_env = \"ALIYUN_SECRET\"\n",
                              environment: ["ALIYUN_SECRET": secretValue])
        let secret = try #require(loaded.configuration.alibaba.accessKeySecret)
        #expect(secret.reveal() == secretValue)
        #expect(secret.source == .environment(variable: "ALIYUN_SECRET"))
    }

    @Test func unsetNamedEnvironmentVariableIsAnError() throws {
        let error = try #require(errors(loading: "[alibaba]\naccess_key_secret_env = \"ALIYUN_SECRET\"\n").first)
        #expect(error.message == "alibaba.access_key_secret_env at test.toml:2: environment variable ALIYUN_SECRET is not set or is empty")
    }

    @Test func readsTheDefaultSystemdCredentialWhenNothingElseIsSet() throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("alibaba-access-key-secret", secretValue, mode: 0o400)
        let loaded = try load("", environment: ["CREDENTIALS_DIRECTORY": directory.path])
        let secret = try #require(loaded.configuration.alibaba.accessKeySecret)
        #expect(secret.reveal() == secretValue)
        #expect(secret.source == .credential(name: "alibaba-access-key-secret", path: path))
    }

    @Test func missingDefaultCredentialLeavesTheSecretUnset() throws {
        let directory = try ScratchDirectory()
        let loaded = try load("", environment: ["CREDENTIALS_DIRECTORY": directory.path])
        #expect(loaded.configuration.alibaba.accessKeySecret == nil)
    }

    @Test func missingExplicitlyNamedCredentialIsAnError() throws {
        let directory = try ScratchDirectory()
        let error = try #require(errors(loading: "[telesign]\napi_key_credential = \"ts-key\"\n",
                                        environment: ["CREDENTIALS_DIRECTORY": directory.path]).first)
        #expect(error.message.hasPrefix("telesign.api_key_credential at test.toml:2: systemd credential 'ts-key' is not in"))
        #expect(error.message.contains("LoadCredential=ts-key:"))
    }

    @Test func inlineSecretWorksButIsWarnedAboutWithoutTheValue() throws {
        let loaded = try load("[alibaba]\naccess_key_id = \"id\"\n\naccess_key_secret = \"\(secretValue)\"\n"
            + "[queues]\naccount_uid = \"1\"\n")
        #expect(loaded.configuration.alibaba.accessKeySecret?.reveal() == secretValue)
        #expect(loaded.warnings == ["inline secret in test.toml:4; prefer access_key_secret_file or a systemd credential"])
    }

    @Test func inlineSecretFromTheEnvironmentIsNotWarnedAbout() throws {
        let loaded = try load("", environment: ["SMSLEDGER_ALIBABA_ACCESS_KEY_SECRET": secretValue])
        #expect(loaded.configuration.alibaba.accessKeySecret?.source
            == .environmentOverride(variable: "SMSLEDGER_ALIBABA_ACCESS_KEY_SECRET"))
        #expect(loaded.warnings.isEmpty)
    }

    @Test func twoSourcesForOneSecretAreAnError() throws {
        let error = try #require(errors(loading: "[alibaba]\naccess_key_secret = \"\(secretValue)\"\naccess_key_secret_env = \"X\"\n",
                                        environment: ["X": "y"]).first)
        #expect(error.message == "alibaba.access_key_secret_env at test.toml:3: set only one of access_key_secret, "
            + "access_key_secret_file, access_key_secret_env; alibaba.access_key_secret is set too")
        #expect(!error.message.contains(secretValue))
    }

    @Test func idWithoutAnySecretIsWarnedAbout() throws {
        let warnings = try load("[alibaba]\naccess_key_id = \"id\"\n[queues]\naccount_uid = \"1\"\n").warnings
        #expect(warnings.count == 1)
        #expect(warnings[0].hasPrefix("alibaba.access_key_id is set but no access key secret was found"))
    }

    @Test func secretValuesNeverAppearInErrors() throws {
        let texts = [
            "[alibaba]\naccess_key_secret = 12345678\n",
            "[alibaba]\naccess_key_secret = [\"\(secretValue)\"]\n",
            "[alibaba]\naccess_key_secret = \(secretValue)\n",
            "[telesign]\napi_key = \"\(secretValue)!\"\n",
            "[http]\nbearer_token = \"\(secretValue)\nx = 1\n",
            "[http]\nbearer_token = \"\(secretValue)\\q\"\n",
        ]
        for text in texts {
            let found = errors(loading: text, environment: ["SMSLEDGER_HTTP_BEARER_TOKEN": secretValue])
            #expect(!found.isEmpty, "\(text)")
            let everything = ConfigurationErrors(found).description
            #expect(!everything.contains(secretValue) && !everything.contains("12345678"), "\(everything)")
        }
    }

    @Test func teleSignKeyMustBeBase64() throws {
        let error = try #require(errors(loading: "[telesign]\napi_key = \"not base64!\"\n").first)
        #expect(error.message == "telesign.api_key at test.toml:2: the TeleSign API key (inline in test.toml:2) is not "
            + "base64 text; paste it exactly as TeleSign shows it")
        let loaded = try load("[telesign]\napi_key = \"c2VjcmV0LWtleQ==\"\n")
        #expect(loaded.configuration.telesign.apiKey?.reveal() == "c2VjcmV0LWtleQ==")
    }
}
