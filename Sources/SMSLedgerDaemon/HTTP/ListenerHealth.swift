import Foundation
import HTTPServing
import Synchronization

/// What the HTTP listener has done, for `STATUS=` and tests. Counters only grow.
public final class ListenerHealth: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Requests answered, whatever the answer.
        public var requests = 0
        /// New rows committed: sends recorded through `POST /v1/sends`, callback receipts, pushed items.
        public var stored = 0
        /// Callbacks, sends and pushed items the ledger already had.
        public var duplicates = 0
        /// Items received in Alibaba HTTP pushes (stored, duplicate or quarantined).
        public var pushedItems = 0
        /// Signed callbacks and pushed items or bodies that could not be read, kept in quarantine.
        public var quarantined = 0
        /// 4xx answers: bad signatures, bad tokens, bad input, oversize bodies, unknown paths.
        public var rejected = 0
        /// 503 answers because the store could not commit; the caller retries.
        public var unavailable = 0
        /// Connections closed as soon as they were accepted because `http.max_connections` were open.
        public var refusedConnections = 0
        /// Connections closed for idling past `http.idle_timeout_seconds` or for a request not
        /// complete within `http.request_timeout_seconds`.
        public var timedOutConnections = 0
        public var lastFailure: String?

        /// e.g. `http: 120 requests, 40 stored, 1 quarantined, 3 rejected`.
        public var statusFragment: String {
            var text = "http: \(requests) requests, \(stored) stored, \(quarantined) quarantined, \(rejected) rejected"
            if pushedItems > 0 { text += ", \(pushedItems) pushed items" }
            if unavailable > 0 { text += ", \(unavailable) store failures" }
            if refusedConnections > 0 { text += ", \(refusedConnections) connections refused (at max_connections)" }
            if timedOutConnections > 0 { text += ", \(timedOutConnections) connections timed out" }
            return text
        }
    }

    private let state = Mutex(Snapshot())
    /// Refused and timed-out connections are counted here too; `nil` while metrics are off.
    private let metrics: ListenerMetrics?

    init(metrics: ListenerMetrics? = nil) {
        self.metrics = metrics
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }

    /// Counts a connection the server cut off on its own. An oversized head was answered 431 by the
    /// server, never reaching ``record(status:)``, so it is counted here as a rejected request.
    func record(connectionEvent: HTTPConnectionEvent) {
        state.withLock { s in
            switch connectionEvent {
            case .refusedOverCap: s.refusedConnections += 1
            case .idleTimedOut, .requestTimedOut: s.timedOutConnections += 1
            case .headersTooLarge:
                s.requests += 1
                s.rejected += 1
            }
        }
        switch connectionEvent {
        case .refusedOverCap: metrics?.refused.increment()
        case .idleTimedOut, .requestTimedOut: metrics?.timedOut.increment()
        case .headersTooLarge: metrics?.answered(route: "none", status: 431)
        }
    }

    /// Counts one answered request by its status.
    func record(status: Int) {
        state.withLock { s in
            s.requests += 1
            if (400..<500).contains(status) { s.rejected += 1 }
            if status == 503 { s.unavailable += 1 }
        }
    }
}
