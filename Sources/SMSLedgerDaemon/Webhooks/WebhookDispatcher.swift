import AlibabaCloud
import Foundation
import LedgerStore
import Logging
import ServiceLifecycle
import SMSLedgerConfig
import SMSLedgerCore

/// Every configured endpoint's worker plus the outbox pruning, as one background job. Workers are
/// independent tasks: a slow or dead endpoint holds back only itself, and nothing here touches the
/// pollers (the outbox grows on disk, not in memory).
public final class WebhookDispatcher: Sendable {
    public let health: WebhookHealth
    private let workers: [WebhookEndpointWorker]
    private let outbox: any WebhookOutbox
    private let retention: Duration
    private let logger: Logger

    /// How often delivered events are pruned.
    static let pruneInterval: Duration = .seconds(600)

    public init(settings: WebhookSettings, outbox: any WebhookOutbox, transport: any HTTPTransport, logger: Logger,
                observer: (any WebhookDeliveryObserver)? = nil) {
        let health = WebhookHealth(endpoints: settings.endpoints.map(\.name), observer: observer)
        let schedule = WebhookRetrySchedule(delays: settings.retrySchedule)
        workers = settings.endpoints.compactMap { endpoint in
            // The loader checked the secret; an endpoint without a usable key is skipped, loudly.
            guard let signer = WebhookSigner(secret: endpoint.secret.reveal()) else {
                logger.error("webhook endpoint has no usable signing secret; not delivering to it",
                             metadata: [LogKeys.webhookEndpoint: "\(endpoint.name)"])
                return nil
            }
            return WebhookEndpointWorker(
                endpoint: endpoint, signer: signer, outbox: outbox, transport: transport, schedule: schedule,
                pollInterval: settings.pollInterval,
                limiter: RateLimiter(rate: endpoint.maxPerSecond, burst: max(1, endpoint.maxPerSecond)),
                health: health, logger: logger)
        }
        self.health = health
        self.outbox = outbox
        self.retention = .seconds(settings.retentionHours * 3600)
        self.logger = logger
    }

    var endpointNames: [String] { workers.map(\.endpoint.name) }

    /// Runs until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { await worker.run() } }
            group.addTask { await self.pruneForever() }
            await group.waitForAll()
        }
    }

    private func pruneForever() async {
        while !Task.isCancelled {
            let seconds = Double(retention.components.seconds)
            do {
                let pruned = try await outbox.pruneWebhookOutbox(before: Date() - seconds, endpoints: endpointNames)
                if pruned > 0 { logger.info("pruned \(pruned) delivered webhook events") }
            } catch {
                logger.warning("cannot prune the webhook outbox: \(error)")
            }
            try? await Task.sleep(for: Self.pruneInterval)
        }
    }
}

/// The webhook deliveries, started after the pollers and stopped before them: an attempt cut short
/// by the stop is sent again after the restart (its lease runs out), with the same `webhook-id`.
struct WebhookDeliveryService: Service {
    let dispatcher: WebhookDispatcher

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await dispatcher.run() }
    }
}

/// The webhooks' own HTTP client, apart from the Alibaba one: a slow endpoint must not take
/// connections the pollers' long polls need, and a refused connection should fail within seconds.
enum WebhookTransport {
    static func make(_ settings: WebhookSettings) -> AsyncHTTPClientTransport? {
        guard !settings.endpoints.isEmpty else { return nil }
        let perHost = settings.endpoints.map(\.maxInFlight).max() ?? 4
        return AsyncHTTPClientTransport(configuration: .init(
            connectionsPerHost: perHost, connectTimeout: .seconds(5), maxResponseBytes: 64 << 10))
    }
}
