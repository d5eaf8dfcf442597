import Foundation
import Parsers
import SMSLedgerCore

// `[webhook_delivery]` (plain settings) and the keys of each `[[webhooks]]` endpoint table.
extension SettingsCatalogue {
    static let webhookDelivery: [Setting] = [
        .secondsList("webhook_delivery", "retry_schedule_seconds", 1...604_800, \.webhooks.retrySchedule, help: [
            "Seconds to wait after each failed delivery attempt, in order (each 1...604800, at least one);",
            "each wait varies by 20 % at random. After the last one a delivery is dead: kept, not sent again",
            "until `smsledger deliveries replay`. The default retries for about three and a half days.",
        ]),
        .integer("webhook_delivery", "retention_hours", 1...87_600, \.webhooks.retentionHours, help: [
            "Hours delivered events stay in the ledger before they are pruned (1...87600); dead ones are kept.",
        ]),
        .milliseconds("webhook_delivery", "poll_interval_ms", 50...60_000, \.webhooks.pollInterval, help: [
            "Milliseconds an idle endpoint waits before it looks for new events again (50...60000).",
        ]),
    ]

    /// Tables that repeat, `[[name]]`, and the keys each element may hold. Their keys are not in
    /// ``ConfigurationSchema/specs`` (there is no single value to override from the environment).
    static let arraySections: [(name: String, settings: [ArraySetting])] = [("webhooks", webhookEndpoint)]

    static let webhookEndpoint: [ArraySetting] = [
        ArraySetting("name", .string, example: "\"orders\"", help: [
            "A unique name for the endpoint: the journal's WEBHOOK_ENDPOINT and `smsledger deliveries` use it.",
        ]) { .text($0.name) },
        ArraySetting("url", .string, example: "\"https://orders.example.com/hooks/sms\"", help: [
            "Where events are POSTed (http:// or https://).",
        ]) { .text($0.url.absoluteString) },
        ArraySetting("events", .stringList, example: "[\"sms.receipt\", \"sms.send.settled\", \"sms.reply\", \"sms.quarantined\"]",
                     help: ["The event types this endpoint receives; all four by default."]) { endpoint in
            .list(WebhookEventType.allCases.filter { endpoint.events.contains($0) }.map(\.rawValue))
        },
        ArraySetting("secret", .string, isSecret: true, example: "\"whsec_...\"", help: [
            "The signing secret, \"whsec_\" + base64 of 24 to 64 random bytes, as Standard Webhooks libraries",
            "make it (e.g. `echo whsec_$(openssl rand -base64 32)`); inline works but is warned about.",
        ]) { .toml(TOMLText.quoted("<redacted> (\($0.secret.source))")) },
        ArraySetting("secret_file", .string, example: "\"/etc/smsledger/orders.whsec\"", help: [
            "A file holding only the signing secret; refused unless chmod 600.",
        ]) { _ in .hidden },
        ArraySetting("secret_env", .string, example: "\"ORDERS_WEBHOOK_SECRET\"", help: [
            "The name of an environment variable holding the signing secret.",
        ]) { _ in .hidden },
        ArraySetting("timeout_seconds", .integer(1...120), example: "10", help: [
            "Seconds to wait for the endpoint's answer (1...120); no answer counts as a failed attempt.",
        ]) { .literal($0.timeout.components.seconds) },
        ArraySetting("headers", .stringList, example: "[\"X-Api-Key: k-123\"]", help: [
            "Extra request headers, each \"Name: value\".",
        ]) { .list($0.headers.map { "\($0.name): \($0.value)" }) },
        ArraySetting("max_in_flight", .integer(1...256), example: "4", help: [
            "Requests to this endpoint at once (1...256).",
        ]) { .literal($0.maxInFlight) },
        ArraySetting("max_per_second", .number(0.1...10_000), example: "50", help: [
            "Most requests per second to this endpoint (0.1...10000).",
        ]) { .literal($0.maxPerSecond) },
    ]
}

/// One key of a repeating table: declared like ``Setting`` but shown per element.
struct ArraySetting: Sendable {
    let name: String
    let kind: SettingKind
    let isSecret: Bool
    let example: String
    let help: [String]
    let show: @Sendable (WebhookEndpointSettings) -> Setting.Shown

    init(_ name: String, _ kind: SettingKind, isSecret: Bool = false, example: String, help: [String],
         show: @escaping @Sendable (WebhookEndpointSettings) -> Setting.Shown) {
        self.name = name
        self.kind = kind
        self.isSecret = isSecret
        self.example = example
        self.help = help
        self.show = show
    }

    func spec(section: String) -> SettingSpec { SettingSpec(key: SettingKey(section, name), kind: kind, isSecret: isSecret) }
}
