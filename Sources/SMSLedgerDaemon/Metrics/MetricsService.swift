import Foundation
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore
import ServiceLifecycle
import Synchronization

/// Keeps the gauges that need a look at the ledger or the pollers fresh, runs the silent-queue
/// check, and serves `/metrics` on its own address when configured so.
///
/// Refreshing on a timer rather than per scrape keeps a scrape a memory copy however often
/// Prometheus comes: the ledger is read once per ``refreshPeriod`` (index lookups only, see
/// ``LedgerGaugeSource``). The silent-queue check runs whether or not metrics are exported: its
/// warning goes to the journal and `STATUS=` too.
final class MetricsService: Service {
    static let refreshPeriod: Duration = .seconds(15)

    private let metrics: LedgerMetrics?
    private let server: MetricsServer?
    private let store: any LedgerStore
    private let runtime: @Sendable () -> PollingRuntime?
    private let silentAfter: @Sendable () -> Duration
    private let logger: Logger
    private let started: StartupBarrier
    private let bindFailure: FailureNote
    private let watch: Mutex<QueueWatch>

    init(metrics: LedgerMetrics?, server: MetricsServer?, store: any LedgerStore,
         runtime: @escaping @Sendable () -> PollingRuntime?, silentAfter: @escaping @Sendable () -> Duration,
         logger: Logger, started: StartupBarrier, bindFailure: FailureNote) {
        self.metrics = metrics
        self.server = server
        self.store = store
        self.runtime = runtime
        self.silentAfter = silentAfter
        self.logger = logger
        self.started = started
        self.bindFailure = bindFailure
        watch = Mutex(QueueWatch(since: Date()))
    }

    func run() async throws {
        if let server {
            do {
                try await server.start()
            } catch {
                bindFailure.record("metrics.listen: \(error)")
                throw error
            }
        }
        started.arrive()
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                await refresh(now: Date())
                try? await Task.sleep(for: Self.refreshPeriod)
            }
        }
        await server?.stop()
    }

    /// The `STATUS=` fragment while a queue is silent, else `nil`.
    var statusFragment: String? { watch.withLock { $0.statusFragment } }

    /// One refresh: the ledger's gauges, then each queue's silence and in-flight age.
    func refresh(now: Date) async {
        var gauges: LedgerGauges?
        if let source = store as? any LedgerGaugeSource {
            do {
                gauges = try await source.gauges(now: now)
            } catch {
                logger.warning("cannot read the ledger's gauges: \(error)")
            }
        }
        if let gauges, let metrics {
            metrics.setSends(gauges.sendsByState)
            metrics.compensation.due.set(Double(gauges.dueSends))
        }
        let pollers = runtime()?.pollers ?? []
        let period = silentAfter()
        var seen: [MessageKind: Date?] = [:]
        for poller in pollers {
            let last = poller.health.snapshot.lastMessageAt
            seen.updateValue([seen[poller.kind] ?? nil, last].compactMap { $0 }.max(), forKey: poller.kind)
        }
        let changes = watch.withLock { watch in
            watch.assess(seen: seen, gauges: gauges, now: now, silentAfter: TimeInterval(period.components.seconds))
        }
        for change in changes { report(change) }
        guard let metrics else { return }
        for kind in MessageKind.allCases {
            let ofKind = pollers.filter { $0.kind == kind }
            guard !ofKind.isEmpty else { continue }
            let queue = metrics.queue(kind.rawValue, channel: "mns")
            let oldest = ofKind.compactMap(\.health.snapshot.oldestInFlight).min()
            queue.oldestInFlight.set(oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0)
            let state = watch.withLock { $0.queues[kind] }
            if let state {
                queue.secondsSinceLastMessage.set(max(0, now.timeIntervalSince(state.lastMessageAt ?? state.since)))
                queue.silent.set(state.verdict.isSilent ? 1.0 : 0.0)
            }
        }
    }

    private func report(_ change: QueueWatch.Change) {
        switch change {
        case .becameSilent(let kind, let text):
            logger.warning("\(text)", metadata: [LogKeys.mnsQueue: "\(kind.rawValue)"])
        case .recovered(let kind):
            logger.notice("the \(kind.rawValue) queue delivers again", metadata: [LogKeys.mnsQueue: "\(kind.rawValue)"])
        }
    }
}

/// Per queue: when it last delivered and what the silent-queue rule said last time, so the
/// journal gets one line per change rather than one per refresh.
struct QueueWatch {
    struct QueueState {
        var since: Date
        var lastMessageAt: Date?
        var verdict = QueueDormancy.flowing
    }

    enum Change: Equatable {
        case becameSilent(MessageKind, String)
        case recovered(MessageKind)
    }

    let since: Date
    var queues: [MessageKind: QueueState] = [:]
    var statusFragment: String?

    init(since: Date) {
        self.since = since
    }

    /// Only SmsReport is judged against sends (a receipt is owed for every send); SmsUp carries
    /// replies, which no send guarantees, so it only has its silence exported.
    ///
    /// - Parameter seen: for each queue kind being polled, when its pollers last received a message
    ///   (`nil`: not in this process); kinds not polled are forgotten.
    mutating func assess(seen: [MessageKind: Date?], gauges: LedgerGauges?, now: Date,
                         silentAfter: TimeInterval) -> [Change] {
        var changes: [Change] = []
        var fragments: [String] = []
        for kind in MessageKind.allCases {
            guard let lastSeen = seen[kind] else {
                queues[kind] = nil
                continue
            }
            // At start the ledger's newest row of the kind stands in for the queue's last message.
            let seed = kind == .smsReport ? gauges?.lastReceiptAt : gauges?.lastReplyAt
            var state = queues[kind] ?? QueueState(since: since, lastMessageAt: seed)
            state.lastMessageAt = [state.lastMessageAt, lastSeen].compactMap { $0 }.max()
            let verdict = kind == .smsReport
                ? QueueDormancy.assess(lastMessageAt: state.lastMessageAt, watchingSince: state.since,
                                       lastSendAt: gauges?.lastSendAt, now: now, silentAfter: silentAfter)
                : .flowing
            if case .silent(let silence, let lastSendAge) = verdict {
                let text = "the \(kind.rawValue) queue has delivered nothing for \(QueueDormancy.describe(silence)) "
                    + "although sends were recorded (the newest \(QueueDormancy.describe(lastSendAge)) ago): check that "
                    + "the queue still exists and is subscribed in the SMS console (Alibaba reclaims unused receipt queues)"
                fragments.append("\(kind.rawValue) SILENT for \(QueueDormancy.describe(silence)) while sends are recorded")
                if !state.verdict.isSilent { changes.append(.becameSilent(kind, text)) }
            } else if state.verdict.isSilent {
                changes.append(.recovered(kind))
            }
            state.verdict = verdict
            queues[kind] = state
        }
        statusFragment = fragments.isEmpty ? nil : fragments.joined(separator: ", ")
        return changes
    }
}
