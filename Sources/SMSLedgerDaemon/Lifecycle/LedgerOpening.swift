import Foundation
import LedgerPostgres
import LedgerStore
import SMSLedgerConfig
import SMSLedgerCore

/// The ledger `[store]` names, opened: the SQLite file on this host, or the PostgreSQL server that
/// several daemons share. The daemon and the CLI open it here, so both backends get the same checks.
public enum LedgerOpening {
    /// Opens (and migrates) the ledger. `webhookEvents` makes the store write webhook events in each
    /// commit's transaction, and registers the configured endpoints before anything is committed.
    public static func open(_ store: StoreSettings, webhooks: WebhookSettings = WebhookSettings(),
                            observer: (any CommitObserver)? = nil) async throws -> any LedgerStore {
        switch store.backend {
        case .sqlite:
            var options = SQLiteLedgerOptions(store)
            options.webhookEvents = !webhooks.endpoints.isEmpty
            let ledger = try SQLiteLedgerStore(at: store.path, options: options, observer: observer)
            // Before the pollers start, so a new endpoint's cursor is in place for their first event.
            try await ledger.registerWebhookEndpoints(subscriptions(webhooks))
            return ledger
        case .postgresql:
            var options = PostgresLedgerOptions(store.postgres)
            options.webhookEvents = !webhooks.endpoints.isEmpty
            let ledger = try await PostgresLedgerStore(options: options, observer: observer)
            try await ledger.registerWebhookEndpoints(subscriptions(webhooks))
            return ledger
        }
    }

    private static func subscriptions(_ webhooks: WebhookSettings) -> [String: Set<WebhookEventType>] {
        Dictionary(webhooks.endpoints.map { ($0.name, $0.events) }, uniquingKeysWith: { first, _ in first })
    }

    /// Where the ledger is, for logs and `STATUS=`: the file, or the server's URL without a password.
    public static func location(_ store: StoreSettings) -> String {
        switch store.backend {
        case .sqlite: store.path
        case .postgresql: store.postgres.url
        }
    }
}

extension PostgresLedgerOptions {
    public init(_ settings: PostgresSettings) {
        self.init(host: settings.host, port: settings.port, username: settings.username,
                  password: settings.password?.reveal(), database: settings.database,
                  tls: TLSMode(rawValue: settings.tls.rawValue) ?? .require, poolSize: settings.poolSize)
    }
}
