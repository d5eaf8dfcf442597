import Foundation

/// Figures about the whole ledger that a metrics endpoint shows, each cheap to read however large
/// the ledger is: the counts by state are maintained by the writer (schema 5), not counted on read.
public struct LedgerGauges: Sendable, Equatable {
    /// Known sends by their current state (`pending`, `delivered`, `failed`, …).
    public var sendsByState: [String: Int] = [:]
    /// Tracked, open sends whose next compensation check is due at `now`: the compensation backlog.
    public var dueSends = 0
    /// The newest receipt the ledger holds (by when it was received), whatever its channel.
    public var lastReceiptAt: Date?
    /// The newest reply from a phone (by when it was received).
    public var lastReplyAt: Date?
    /// The newest `sent_at` among known sends.
    public var lastSendAt: Date?

    public init(sendsByState: [String: Int] = [:], dueSends: Int = 0, lastReceiptAt: Date? = nil,
                lastReplyAt: Date? = nil, lastSendAt: Date? = nil) {
        self.sendsByState = sendsByState
        self.dueSends = dueSends
        self.lastReceiptAt = lastReceiptAt
        self.lastReplyAt = lastReplyAt
        self.lastSendAt = lastSendAt
    }
}

/// A store that can report ``LedgerGauges``. Separate from ``LedgerStore`` (like the statistics)
/// so that test doubles of the store need not implement it; a PostgreSQL backend can keep the same
/// per-state counts with the same triggers.
public protocol LedgerGaugeSource: Sendable {
    /// Reads the gauges at `now` (which decides what is due). Never scans the sends table.
    func gauges(now: Date) async throws -> LedgerGauges
}

/// Told about every group commit, for metrics: how many batches shared the transaction and how
/// long it took, fsync included. Called on the writer's queue, so it must return at once.
public protocol CommitObserver: Sendable {
    func committed(batches: Int, duration: Duration)
    func commitFailed(batches: Int)
}
