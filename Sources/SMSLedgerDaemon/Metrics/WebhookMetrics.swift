import Prometheus
import SMSLedgerCore

/// `smsledger_webhook_deliveries_total{endpoint,outcome}` and `smsledger_webhook_delivery_lag_seconds`,
/// made once per configured endpoint at start (endpoints are fixed until a restart), so an attempt
/// is counted with one dictionary lookup and an atomic add, and an idle endpoint shows 0 rather than
/// nothing. Fed through ``WebhookHealth``, the one place every attempt's outcome passes.
public final class WebhookMetrics: Sendable, WebhookDeliveryObserver {
    private struct Endpoint: Sendable {
        let delivered: Counter
        let retry: Counter
        let dead: Counter
        let disabled: Counter
        let lag: DurationHistogram
    }

    private let endpoints: [String: Endpoint]

    init(_ registry: PrometheusCollectorRegistry, endpoints names: [String]) {
        var endpoints: [String: Endpoint] = [:]
        for name in names {
            func outcome(_ value: String) -> Counter {
                registry.makeCounter(descriptor: MetricName.webhookDeliveries,
                                     labels: [(MetricLabel.endpoint, name), (MetricLabel.outcome, value)])
            }
            endpoints[name] = Endpoint(
                delivered: outcome("delivered"), retry: outcome("retry"), dead: outcome("dead"),
                disabled: outcome("disabled"),
                lag: registry.makeDurationHistogram(
                    descriptor: MetricName.webhookDeliveryLag, labels: [(MetricLabel.endpoint, name)],
                    buckets: [.milliseconds(50), .milliseconds(250), .seconds(1), .seconds(5), .seconds(30),
                              .seconds(120), .seconds(600), .seconds(3600), .seconds(21600), .seconds(86400)]))
        }
        self.endpoints = endpoints
    }

    public func attempted(endpoint: String, decision: WebhookDeliveryDecision, lag: Duration) {
        guard let metrics = endpoints[endpoint] else { return }
        switch decision {
        case .delivered:
            metrics.delivered.increment()
            metrics.lag.record(lag)
        case .retry: metrics.retry.increment()
        case .dead: metrics.dead.increment()
        case .disableEndpoint: metrics.disabled.increment()
        }
    }
}

extension LedgerMetrics {
    /// The webhook metrics of these endpoints, registered in this registry.
    public func webhooks(endpoints: [String]) -> WebhookMetrics { WebhookMetrics(registry, endpoints: endpoints) }
}
