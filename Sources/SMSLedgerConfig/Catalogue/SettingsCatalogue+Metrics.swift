import Foundation

// The settings of [metrics], declared once (see `Setting`).
extension SettingsCatalogue {
    static let metrics: [Setting] = [
        .flag("metrics", "enabled", \.metrics.enabled, help: [
            "Serve Prometheus metrics at GET /metrics (README \"Monitoring\"); off leaves the counters uncounted.",
        ]),
        .custom("metrics", "listen", .string, help: [
            "\"listener\" serves /metrics on the HTTP listener ([http] listen, with its bearer token when one is",
            "set); or an address of its own such as \"127.0.0.1:9787\", served without a token: keep it loopback",
            "or firewalled.",
        ]) { .text($0.metrics.listen.description) },
        .seconds("metrics", "silent_queue_after_seconds", 300...2_592_000, \.metrics.silentQueueAfter, help: [
            "Warn (journal, STATUS=, smsledger_queue_silent) when the SmsReport queue has delivered nothing for",
            "this long although sends were recorded since its last message (300...2592000). Alibaba reclaims",
            "receipt queues that go unused; a reclaimed or unsubscribed queue just answers empty.",
        ]),
    ]
}
