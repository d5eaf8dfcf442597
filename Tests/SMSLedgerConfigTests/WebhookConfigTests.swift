import Foundation
import SMSLedgerCore
import Testing
@testable import SMSLedgerConfig

@Suite("Webhook endpoints in the config")
struct WebhookConfigTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    @Test func twoEndpointsLoadWithTheirOwnSettingsAndDefaults() throws {
        let loaded = try load("""
            [[webhooks]]
            name = "orders"
            url = "https://orders.example.com/hooks"
            secret_env = "ORDERS_SECRET"
            events = ["sms.send.settled"]
            headers = ["X-Api-Key: k-1"]
            timeout_seconds = 3

            [[webhooks]]
            name = "crm"
            url = "http://127.0.0.1:9000/sms"
            secret_env = "CRM_SECRET"

            [webhook_delivery]
            retry_schedule_seconds = [1, 2]
            """, environment: ["ORDERS_SECRET": Self.secret, "CRM_SECRET": Self.secret])
        let webhooks = loaded.configuration.webhooks
        #expect(webhooks.endpoints.map(\.name) == ["orders", "crm"])
        let orders = webhooks.endpoints[0]
        #expect(orders.events == [.sendSettled])
        #expect(orders.headers == [WebhookHeader(name: "X-Api-Key", value: "k-1")])
        #expect(orders.timeout == .seconds(3))
        #expect(orders.secret.reveal() == Self.secret)
        let crm = webhooks.endpoints[1]
        #expect(crm.events == Set(WebhookEventType.allCases))
        #expect(crm.maxInFlight == 4)
        #expect(webhooks.retrySchedule == [.seconds(1), .seconds(2)])
    }

    @Test func missingKeysAreNamedWithTheTablesLine() {
        let found = errors(loading: "[store]\npath = \"x\"\n\n[[webhooks]]\ntimeout_seconds = 5\n")
        #expect(found.map(\.message) == ["[[webhooks]] at test.toml:4 needs name, url, secret (or secret_file, secret_env)"])
    }

    @Test func aSecretThatIsNotBase64IsRefusedAgainstItsKeyWithoutShowingIt() {
        let found = errors(loading: "[[webhooks]]\nname = \"a\"\nurl = \"https://a.example\"\nsecret = \"whsec_!!nope!!\"\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("webhooks.secret at test.toml:4: the signing secret") == true)
        #expect(found.first?.message.contains("!!nope!!") == false)
    }

    @Test(arguments: [
        ("url = \"ftp://a.example\"", "webhooks.url at test.toml:3: expected an http:// or https:// URL"),
        ("events = [\"sms.sent\"]", "webhooks.events at test.toml:3: element 1: \"sms.sent\" is not an event type"),
        ("headers = [\"webhook-id: x\"]", "webhooks.headers at test.toml:3: element 1: webhook-id is set by SMSLedger"),
        ("headers = [\"no colon\"]", "webhooks.headers at test.toml:3: element 1: expected \"Name: value\""),
        ("max_in_flight = 0", "webhooks.max_in_flight at test.toml:3: expected an integer in 1...256"),
        ("colour = 1", "unknown key 'webhooks.colour' at test.toml:3"),
    ] as [(String, String)])
    func wrongValuesNameKeyFileAndLine(line: String, message: String) {
        let text = "[[webhooks]]\nname = \"a\"\n\(line)\nsecret = \"\(Self.secret)\"\n"
            + (line.hasPrefix("url") ? "" : "url = \"https://a.example\"\n")
        let found = errors(loading: text)
        #expect(found.contains { $0.message.hasPrefix(message) }, "\(found.map(\.message))")
    }

    @Test func twoEndpointsWithOneNameAreAnError() {
        let endpoint = "[[webhooks]]\nname = \"a\"\nurl = \"https://a.example\"\nsecret = \"\(Self.secret)\"\n"
        let found = errors(loading: endpoint + endpoint)
        #expect(found.map(\.message).contains { $0.contains("\"a\" is already the name of the endpoint at line 1") })
    }

    @Test func aPlainWebhooksSectionIsRefusedWithTheRightSpelling() {
        let found = errors(loading: "[webhooks]\nname = \"a\"\n")
        #expect(found.first?.message == "[webhooks] at test.toml:1 must be written [[webhooks]], one table per entry")
    }

    @Test func checkConfigShowsEachEndpointWithItsSecretsSource() throws {
        let loaded = try load("[[webhooks]]\nname = \"a\"\nurl = \"https://a.example/x\"\nsecret = \"\(Self.secret)\"\n")
        let text = ConfigLoader.effectiveConfigText(loaded.configuration)
        #expect(text.contains("[[webhooks]]\nname = \"a\"\nurl = \"https://a.example/x\"\n"))
        #expect(text.contains("secret = \"<redacted> (inline in test.toml:4)\""))
        #expect(!text.contains(Self.secret))
    }
}
