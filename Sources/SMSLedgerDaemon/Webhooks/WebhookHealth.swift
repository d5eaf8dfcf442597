import Foundation
import SMSLedgerCore
import Synchronization

/// Told of every delivery attempt's outcome: the metrics (``WebhookMetrics``), beside the health
/// counts that `STATUS=` shows.
public protocol WebhookDeliveryObserver: Sendable {
    /// `lag` runs from the event's commit to this attempt's answer.
    func attempted(endpoint: String, decision: WebhookDeliveryDecision, lag: Duration)
}

/// What the delivery worker has done, per endpoint, for `STATUS=` and tests. Every attempt's
/// outcome passes through ``record(endpoint:result:decision:lag:)``, the one place that counts
/// deliveries, failures and lag, and tells the ``WebhookDeliveryObserver``.
public final class WebhookHealth: Sendable {
    public struct Endpoint: Sendable, Equatable {
        public var delivered = 0
        public var failedAttempts = 0
        public var dead = 0
        public var disabledReason: String?
        public var lastError: String?
        /// Event creation to 2xx, of the last delivery.
        public var lastLag: Duration?
    }

    private let state: Mutex<[(name: String, endpoint: Endpoint)]>
    private let observer: (any WebhookDeliveryObserver)?

    init(endpoints: [String], observer: (any WebhookDeliveryObserver)? = nil) {
        state = Mutex(endpoints.map { ($0, Endpoint()) })
        self.observer = observer
    }

    public var snapshot: [(name: String, endpoint: Endpoint)] { state.withLock { $0 } }

    public func endpoint(_ name: String) -> Endpoint? { state.withLock { $0.first { $0.name == name }?.endpoint } }

    func record(endpoint name: String, result: WebhookAttemptResult, decision: WebhookDeliveryDecision, lag: Duration) {
        observer?.attempted(endpoint: name, decision: decision, lag: lag)
        update(name) { s in
            switch decision {
            case .delivered:
                s.delivered += 1
                s.lastLag = lag
            case .retry, .disableEndpoint:
                s.failedAttempts += 1
                s.lastError = result.summary
            case .dead:
                s.failedAttempts += 1
                s.dead += 1
                s.lastError = result.summary
            }
        }
    }

    func disabled(_ name: String, reason: String?) {
        update(name) { $0.disabledReason = reason }
    }

    private func update(_ name: String, _ body: (inout Endpoint) -> Void) {
        state.withLock { list in
            guard let index = list.firstIndex(where: { $0.name == name }) else { return }
            body(&list[index].endpoint)
        }
    }

    /// e.g. `webhooks: orders 1200 delivered, 3 failed attempts (last: HTTP 500), 0 dead; crm DISABLED (410 Gone)`.
    public var statusFragment: String {
        let parts = snapshot.map { name, s -> String in
            var text = "\(name) \(s.delivered) delivered, \(s.failedAttempts) failed attempts"
            if let lastError = s.lastError { text += " (last: \(lastError))" }
            text += ", \(s.dead) dead"
            if let reason = s.disabledReason { text += ", DISABLED (\(reason))" }
            return text
        }
        return "webhooks: " + parts.joined(separator: "; ")
    }
}
