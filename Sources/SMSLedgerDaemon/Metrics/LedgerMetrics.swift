import AlibabaCloud
import SMSLedgerCore
import Foundation
import LedgerStore
import Prometheus
import Synchronization

/// The daemon's metrics: one Prometheus registry and the metric objects the code increments.
///
/// Everything on a hot path is created once, up front, with its labels (``QueueMetrics`` per queue
/// and channel), so counting a batch is a few atomic adds: no label dictionaries, no string
/// formatting, no registry lookup per message. Figures that would need a query (sends by state,
/// the compensation backlog, queue silence) are gauges refreshed by ``MetricsService`` on a timer,
/// never computed per scrape.
///
/// Extending it: add the name to ``MetricName``, a property (or a per-label factory like
/// ``queue(_:channel:)``) here, and the call at the event, as ``WebhookMetrics`` does for webhooks.
public final class LedgerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let commitDuration: DurationHistogram
    let groupCommitBatches: ValueHistogram
    let commitFailures: Counter
    public let compensation: CompensationMetrics
    let sendGauges = Mutex<[String: Gauge]>([:])
    /// Every known operation × outcome, made at start: a call looks its counter up in an immutable
    /// dictionary (no lock, no name validation), and idle series show as 0 rather than missing.
    let calls: [CallKey: Counter]
    let queues = Mutex<[String: QueueMetrics]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        commitDuration = registry.makeDurationHistogram(descriptor: MetricName.commitDuration, buckets: [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ])
        groupCommitBatches = registry.makeValueHistogram(descriptor: MetricName.groupCommitBatches,
                                                         buckets: [1, 2, 4, 8, 16, 32, 64])
        commitFailures = registry.makeCounter(descriptor: MetricName.commitFailures, labels: [])
        compensation = CompensationMetrics(registry)
        var calls: [CallKey: Counter] = [:]
        for (api, operations) in CallKey.operations {
            for operation in operations {
                for outcome in AlibabaCallOutcome.allCases {
                    calls[CallKey(api: api, operation: operation, outcome: outcome)] = Self.makeCallCounter(
                        registry, api, operation, outcome)
                }
            }
        }
        self.calls = calls
        for outcome in ["ok", "failed"] {
            _ = registry.makeCounter(descriptor: MetricName.tokenRefreshes, labels: [(MetricLabel.outcome, outcome)])
        }
    }

    static func makeCallCounter(_ registry: PrometheusCollectorRegistry, _ api: AlibabaAPI, _ operation: String,
                                _ outcome: AlibabaCallOutcome) -> Counter {
        registry.makeCounter(descriptor: api == .mns ? MetricName.mnsRequests : MetricName.rpcRequests,
                             labels: [(MetricLabel.operation, operation), (MetricLabel.outcome, outcome.rawValue)])
    }

    /// The metrics of one queue kind (`SmsReport`, `SmsUp`, `telesign`) on one channel (`mns`,
    /// `push`, `callback`); the same object for the same pair, made once.
    public func queue(_ queue: String, channel: String) -> QueueMetrics {
        queues.withLock { known in
            let key = queue + "/" + channel
            if let existing = known[key] { return existing }
            let made = QueueMetrics(registry, queue: queue, channel: channel)
            known[key] = made
            return made
        }
    }

    /// The listener's metrics.
    public var listener: ListenerMetrics { ListenerMetrics(registry) }

    /// The Prometheus text exposition (format 0.0.4) of every metric.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        return buffer
    }

    /// Sets `smsledger_sends{state}`; a state no longer present drops to 0 rather than vanishing.
    func setSends(_ byState: [String: Int]) {
        sendGauges.withLock { gauges in
            for state in Set(byState.keys).union(gauges.keys) {
                let gauge = gauges[state] ?? registry.makeGauge(descriptor: MetricName.sends, labels: [(MetricLabel.state, state)])
                gauges[state] = gauge
                gauge.set(Double(byState[state] ?? 0))
            }
        }
    }
}

extension LedgerMetrics: CommitObserver {
    public func committed(batches: Int, duration: Duration) {
        commitDuration.record(duration)
        groupCommitBatches.record(Double(batches))
    }

    public func commitFailed(batches: Int) {
        commitFailures.increment(by: Int64(batches))
    }
}

extension LedgerMetrics: AlibabaCallObserver {
    /// An operation not in ``CallKey/operations`` goes through the registry (a lock and a lookup).
    public func called(_ api: AlibabaAPI, operation: String, outcome: AlibabaCallOutcome) {
        let key = CallKey(api: api, operation: operation, outcome: outcome)
        (calls[key] ?? Self.makeCallCounter(registry, api, operation, outcome)).increment()
        if operation == "QueryTokenForMnsQueue" {
            registry.makeCounter(descriptor: MetricName.tokenRefreshes,
                                 labels: [(MetricLabel.outcome, outcome == .ok ? "ok" : "failed")]).increment()
        }
    }
}

/// A counter of `smsledger_{mns,rpc}_requests_total`.
struct CallKey: Hashable, Sendable {
    let api: AlibabaAPI
    let operation: String
    let outcome: AlibabaCallOutcome

    /// The operations the clients make, by API.
    static let operations: [(AlibabaAPI, [String])] = [
        (.mns, ["BatchReceiveMessage", "BatchDeleteMessage", "ChangeMessageVisibility"]),
        (.rpc, ["QueryTokenForMnsQueue", "QuerySendDetails", "SendSms"]),
    ]
}

/// One queue on one channel, every object made with its labels at start.
public final class QueueMetrics: Sendable {
    public let queue: String
    let received: Counter
    let stored: Counter
    let duplicate: Counter
    let quarantined: Counter
    let deleteFailures: Counter
    let batchSize: ValueHistogram
    let enqueueToCommit: DurationHistogram
    let oldestInFlight: Gauge
    let secondsSinceLastMessage: Gauge
    let silent: Gauge

    init(_ registry: PrometheusCollectorRegistry, queue: String, channel: String) {
        self.queue = queue
        let labels = [(MetricLabel.queue, queue), (MetricLabel.channel, channel)]
        received = registry.makeCounter(descriptor: MetricName.received, labels: labels)
        stored = registry.makeCounter(descriptor: MetricName.stored, labels: labels)
        duplicate = registry.makeCounter(descriptor: MetricName.duplicate, labels: labels)
        quarantined = registry.makeCounter(descriptor: MetricName.quarantined, labels: labels)
        deleteFailures = registry.makeCounter(descriptor: MetricName.deleteFailures, labels: [(MetricLabel.queue, queue)])
        batchSize = registry.makeValueHistogram(descriptor: MetricName.receiveBatchSize, labels: [(MetricLabel.queue, queue)],
                                                buckets: [0, 1, 2, 4, 8, 12, 16])
        enqueueToCommit = registry.makeDurationHistogram(
            descriptor: MetricName.enqueueToCommit, labels: [(MetricLabel.queue, queue)],
            buckets: [.milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(60),
                      .seconds(300), .seconds(1800), .seconds(3600), .seconds(21600)])
        oldestInFlight = registry.makeGauge(descriptor: MetricName.oldestInFlight, labels: [(MetricLabel.queue, queue)])
        secondsSinceLastMessage = registry.makeGauge(descriptor: MetricName.secondsSinceLastMessage,
                                                     labels: [(MetricLabel.queue, queue)])
        silent = registry.makeGauge(descriptor: MetricName.queueSilent, labels: [(MetricLabel.queue, queue)])
    }

    /// A commit's outcome for this queue and channel.
    func committed(stored: Int, duplicate: Int, quarantined: Int) {
        if stored > 0 { self.stored.increment(by: Int64(stored)) }
        if duplicate > 0 { self.duplicate.increment(by: Int64(duplicate)) }
        if quarantined > 0 { self.quarantined.increment(by: Int64(quarantined)) }
    }
}

/// The compensation job's counters; fed from ``CompensationHealth`` changes.
public final class CompensationMetrics: Sendable {
    let answered: Counter
    let throttled: Counter
    let refused: Counter
    let failed: Counter
    let settled: Counter
    let closed: Counter
    let due: Gauge

    init(_ registry: PrometheusCollectorRegistry) {
        func check(_ outcome: String) -> Counter {
            registry.makeCounter(descriptor: MetricName.compensationChecks, labels: [(MetricLabel.outcome, outcome)])
        }
        answered = check("answered")
        throttled = check("throttled")
        refused = check("refused")
        failed = check("failed")
        settled = registry.makeCounter(descriptor: MetricName.compensationSettled, labels: [])
        closed = registry.makeCounter(descriptor: MetricName.compensationClosed, labels: [])
        due = registry.makeGauge(descriptor: MetricName.compensationDue, labels: [])
    }

    /// Adds what changed between two snapshots of the compensator's health (its counters only grow).
    func advance(from old: CompensationHealth.Snapshot, to new: CompensationHealth.Snapshot) {
        add(new.answered - old.answered, to: answered)
        add(new.throttled - old.throttled, to: throttled)
        add(new.refused - old.refused, to: refused)
        add(new.transientFailures - old.transientFailures, to: failed)
        add(new.settled - old.settled, to: settled)
        add(new.closedUnknown - old.closedUnknown, to: closed)
    }
}

/// The listener's metrics: callbacks and pushes by outcome, requests by route, refused connections.
public struct ListenerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let refused: Counter
    let timedOut: Counter
    public let teleSign: QueueMetrics
    public let smsReportPush: QueueMetrics
    public let smsUpPush: QueueMetrics

    init(_ registry: PrometheusCollectorRegistry) {
        self.registry = registry
        refused = registry.makeCounter(descriptor: MetricName.connectionsRefused, labels: [])
        timedOut = registry.makeCounter(descriptor: MetricName.connectionsTimedOut, labels: [])
        teleSign = QueueMetrics(registry, queue: "telesign", channel: "callback")
        smsReportPush = QueueMetrics(registry, queue: "SmsReport", channel: "push")
        smsUpPush = QueueMetrics(registry, queue: "SmsUp", channel: "push")
    }

    /// One answered request: by route and status class, and for callbacks and pushes by outcome.
    func answered(route: String, status: Int) {
        registry.makeCounter(descriptor: MetricName.httpRequests,
                             labels: [(MetricLabel.route, route), (MetricLabel.status, "\(status / 100)xx")]).increment()
        if let outcome = CallbackOutcome(route: route, status: status) {
            registry.makeCounter(descriptor: MetricName.callbacks,
                                 labels: [(MetricLabel.endpoint, route), (MetricLabel.outcome, outcome.rawValue)]).increment()
        }
    }
}

private func add(_ delta: Int, to counter: Counter) {
    if delta > 0 { counter.increment(by: Int64(delta)) }
}

extension ListenerMetrics {
    /// One Alibaba push of `kind` committed: its items by what became of them.
    func pushed(_ kind: MessageKind, items: Int, summary: CommitSummary, quarantined: Int) {
        let queue = kind == .smsReport ? smsReportPush : smsUpPush
        if items > 0 { queue.received.increment(by: Int64(items)) }
        queue.committed(stored: summary.receipts.new + summary.replies.new,
                        duplicate: summary.receipts.duplicate + summary.replies.duplicate, quarantined: quarantined)
    }
}

/// What became of a callback or push, from the route and the status the listener answered. Pure.
///
/// | status | outcome        | meaning                                             |
/// |--------|----------------|-----------------------------------------------------|
/// | 200    | `accepted`     | stored (or a duplicate), after the commit           |
/// | 202, 400 | `quarantined` | signed but unreadable (TeleSign 202), not an array (push 400) |
/// | 401    | `unauthorized` | missing or wrong signature                          |
/// | 403    | `forbidden`    | a push from outside `alibaba_push.allow_from`        |
/// | 413    | `too_large`    | over the body limit                                 |
/// | 503    | `unavailable`  | the ledger could not commit (or no key configured)  |
/// | other  | `rejected`     |                                                     |
enum CallbackOutcome: String, CaseIterable {
    case accepted, quarantined, unauthorized, forbidden, tooLarge = "too_large", unavailable, rejected

    init?(route: String, status: Int) {
        guard route == "telesign_callback" || route == "alibaba_push" else { return nil }
        switch status {
        case 200...201: self = .accepted
        case 202 where route == "telesign_callback", 400 where route == "alibaba_push": self = .quarantined
        case 401: self = .unauthorized
        case 403: self = .forbidden
        case 413: self = .tooLarge
        case 503: self = .unavailable
        default: self = .rejected
        }
    }
}
