import Foundation
import SMSLedgerCore

/// `[webhook_delivery]` and the `[[webhooks]]` endpoints.
public struct WebhookSettings: Sendable, Equatable {
    /// Empty by default: no endpoint, no events written (the ledger writes what it wrote before).
    public var endpoints: [WebhookEndpointSettings] = []
    /// Waits after each failed attempt; one more failure after the last is a dead letter.
    public var retrySchedule: [Duration] = WebhookRetrySchedule.defaultDelays
    /// Delivered deliveries, and events every endpoint is done with, are pruned after this many hours.
    public var retentionHours = 168
    /// How often an idle endpoint looks for new events.
    public var pollInterval: Duration = .milliseconds(500)

    public init() {}
}

/// One `[[webhooks]]` table: where to POST which events, signed with which secret.
public struct WebhookEndpointSettings: Sendable, Equatable {
    /// The endpoint's name in the ledger, the journal and `smsledger deliveries`; unique.
    public var name: String
    public var url: URL
    public var events: Set<WebhookEventType> = Set(WebhookEventType.allCases)
    /// `whsec_` + base64, as Standard Webhooks libraries print it (checked when the config loads).
    public var secret: Secret
    public var timeout: Duration = .seconds(10)
    /// Extra request headers, e.g. an API gateway's key.
    public var headers: [WebhookHeader] = []
    public var maxInFlight = 4
    public var maxPerSecond = 50.0

    public init(name: String, url: URL, secret: Secret) {
        self.name = name
        self.url = url
        self.secret = secret
    }
}

public struct WebhookHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
