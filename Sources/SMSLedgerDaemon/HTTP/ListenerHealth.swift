import Foundation
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
        public var lastFailure: String?

        /// e.g. `http: 120 requests, 40 stored, 1 quarantined, 3 rejected`.
        public var statusFragment: String {
            var text = "http: \(requests) requests, \(stored) stored, \(quarantined) quarantined, \(rejected) rejected"
            if pushedItems > 0 { text += ", \(pushedItems) pushed items" }
            if unavailable > 0 { text += ", \(unavailable) store failures" }
            return text
        }
    }

    private let state = Mutex(Snapshot())

    init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
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
