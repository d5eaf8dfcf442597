import Prometheus

/// Every metric the daemon exports, with its help text, in one place: the dashboard, the alert rules
/// and `Tests/Interop/test_monitoring.py` name these, and that test fails if one disappears.
///
/// Prometheus conventions: the `smsledger_` prefix, base units (`_seconds`), `_total` for counters.
/// Label values are bounded sets (queue kinds, channels, operations, outcomes, send states), so the
/// number of series stays small whatever the traffic.
public enum MetricName {
    // Computed, because Prometheus's descriptor type is not Sendable; they are read only when a
    // metric object is made, never on a hot path.
    static func named(_ name: String, _ unit: String?, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "smsledger", metricName: name, unitName: unit ?? "", helpText: help)
    }

    // Messages, per queue (SmsReport, SmsUp, telesign) and channel (mns, push, callback).
    static var received: MetricNameDescriptor { named("messages_received", "total", "Messages taken from a queue, a push or a callback.") }
    static var stored: MetricNameDescriptor { named("messages_stored", "total", "Messages that became new ledger rows.") }
    static var duplicate: MetricNameDescriptor { named("messages_duplicate", "total", "Messages the ledger already had (redeliveries).") }
    static var quarantined: MetricNameDescriptor { named("messages_quarantined", "total", "Messages that could not be read, kept in quarantine.") }
    static var deleteFailures: MetricNameDescriptor { named("mns_delete_failures", "total", "Messages whose delete failed after the commit; they come back.") }
    static var receiveBatchSize: MetricNameDescriptor { named("receive_batch_size", nil, "Messages per MNS receive (0 for an empty long poll).") }
    static var enqueueToCommit: MetricNameDescriptor { named("enqueue_to_commit", "seconds", "From MNS EnqueueTime to the ledger commit.") }
    static var oldestInFlight: MetricNameDescriptor { named("oldest_in_flight_message_age", "seconds",
                                      "Age (since EnqueueTime) of the oldest message received and not yet deleted; 0 when none.") }
    static var secondsSinceLastMessage: MetricNameDescriptor { named("queue_last_message_age", "seconds",
                                               "Seconds since the queue last delivered a message (this process, or the ledger's newest row at start).") }
    static var queueSilent: MetricNameDescriptor { named("queue_silent", nil,
                                   "1 while the queue is silent longer than metrics.silent_queue_after_seconds although sends are recorded.") }

    // The ledger.
    static var commitDuration: MetricNameDescriptor { named("commit_duration", "seconds", "One group-commit transaction, fsync included.") }
    static var groupCommitBatches: MetricNameDescriptor { named("group_commit_batches", nil, "Batches written together in one transaction.") }
    static var commitFailures: MetricNameDescriptor { named("commit_failures", "total", "Commits that failed (the messages stay in the queue).") }
    static var sends: MetricNameDescriptor { named("sends", nil, "Known sends by current state (maintained by the ledger, not counted per scrape).") }

    // Alibaba APIs.
    static var mnsRequests: MetricNameDescriptor { named("mns_requests", "total", "MNS requests by operation and outcome.") }
    static var rpcRequests: MetricNameDescriptor { named("rpc_requests", "total", "Dybaseapi/Dysmsapi RPC calls by operation and outcome.") }
    static var tokenRefreshes: MetricNameDescriptor { named("token_refreshes", "total", "MNS queue-token fetches (QueryTokenForMnsQueue) by outcome.") }

    // Compensation.
    static var compensationDue: MetricNameDescriptor { named("compensation_due_sends", nil, "Tracked sends due a QuerySendDetails check now.") }
    static var compensationChecks: MetricNameDescriptor { named("compensation_checks", "total", "QuerySendDetails checks by outcome.") }
    static var compensationSettled: MetricNameDescriptor { named("compensation_settled", "total", "Sends settled by a final row found by compensation.") }
    static var compensationClosed: MetricNameDescriptor { named("compensation_closed", "total", "Sends closed as unknown at the end of their window.") }

    // Webhook forwarding (Metrics/WebhookMetrics.swift).
    static var webhookDeliveries: MetricNameDescriptor { named("webhook_deliveries", "total",
                                          "Webhook delivery attempts by endpoint and outcome (delivered, retry, dead, disabled).") }
    static var webhookDeliveryLag: MetricNameDescriptor { named("webhook_delivery_lag", "seconds",
                                           "From the event's commit to the endpoint's 2xx answer.") }

    // HTTP listener.
    static var callbacks: MetricNameDescriptor { named("callbacks", "total", "Callbacks and pushes by endpoint and outcome.") }
    static var httpRequests: MetricNameDescriptor { named("http_requests", "total", "Listener requests answered, by route and status class.") }
    static var connectionsRefused: MetricNameDescriptor { named("http_connections_refused", "total", "Connections closed at http.max_connections.") }
    static var connectionsTimedOut: MetricNameDescriptor { named("http_connections_timed_out", "total", "Connections closed for idling or a slow request.") }
}

/// The label names, once: Prometheus requires the same label names for every series of a metric.
enum MetricLabel {
    static let queue = "queue"
    static let channel = "channel"
    static let operation = "operation"
    static let outcome = "outcome"
    static let state = "state"
    static let endpoint = "endpoint"
    static let route = "route"
    static let status = "status"
}
