import Foundation

/// How long the ledger keeps what it stored, and which rows that lets go at a given moment.
///
/// A pure value, so the rule is tested without a database. What goes, once older than
/// ``retentionDays``: sends that are settled (final) with their receipts, replies, and quarantined
/// bodies not seen again since. A send that is still open is kept while QuerySendDetails can still
/// answer for it (``openSendWindowDays``, 30), whatever the retention, because the compensation job
/// may still settle it; past that window nothing can change it any more, and it goes like the rest.
public struct RetentionPolicy: Sendable, Hashable {
    /// Days a row is kept; `0` keeps everything for ever (no pruning).
    public var retentionDays: Int
    /// Days an open send stays whatever the retention: QuerySendDetails answers for 30 days.
    public var openSendWindowDays: Int

    public init(retentionDays: Int, openSendWindowDays: Int = 30) {
        self.retentionDays = retentionDays
        self.openSendWindowDays = openSendWindowDays
    }

    /// `false` when the policy keeps everything.
    public var prunes: Bool { retentionDays > 0 }

    /// The bounds in force at `now`.
    public func cutoffs(now: Date) -> RetentionCutoffs {
        let day: TimeInterval = 86_400
        let settled = now.addingTimeInterval(-Double(retentionDays) * day)
        let window = now.addingTimeInterval(-Double(openSendWindowDays) * day)
        return RetentionCutoffs(settledBefore: settled, openBefore: min(settled, window))
    }
}

/// Rows strictly older than these times may go: ``settledBefore`` for settled sends (by send time,
/// else by their last report), receipts (with their send, or by `received_at` when their send is
/// gone), replies (`received_at`) and quarantine (`last_seen`); ``openBefore`` for sends still open.
public struct RetentionCutoffs: Sendable, Hashable {
    public var settledBefore: Date
    public var openBefore: Date

    /// Whether a send of this age and finality may be removed.
    public func removesSend(at time: Date, isFinal: Bool) -> Bool {
        time < settledBefore && (isFinal || time < openBefore)
    }
}

/// Rows removed (or, for a dry run, that would be removed), per table.
public struct PruneSummary: Sendable, Hashable, CustomStringConvertible {
    public var sends = 0
    public var receipts = 0
    public var replies = 0
    public var quarantine = 0

    public init(sends: Int = 0, receipts: Int = 0, replies: Int = 0, quarantine: Int = 0) {
        self.sends = sends
        self.receipts = receipts
        self.replies = replies
        self.quarantine = quarantine
    }

    public var total: Int { sends + receipts + replies + quarantine }
    public var isEmpty: Bool { total == 0 }

    public static func + (a: PruneSummary, b: PruneSummary) -> PruneSummary {
        PruneSummary(sends: a.sends + b.sends, receipts: a.receipts + b.receipts, replies: a.replies + b.replies,
                     quarantine: a.quarantine + b.quarantine)
    }

    public static func += (a: inout PruneSummary, b: PruneSummary) { a = a + b }

    public var description: String {
        "sends=\(sends) receipts=\(receipts) replies=\(replies) quarantine=\(quarantine)"
    }
}

/// A ledger that can let old rows go. Kept apart from ``LedgerStore`` like the statistics: the write
/// path's fakes need not implement it, and a PostgreSQL store can meet it with `DELETE … LIMIT`-style
/// batches (or by dropping whole time partitions).
public protocol LedgerRetention: Sendable {
    /// Removes at most about `limit` rows of each kind that `policy` lets go at `now`, in ONE short
    /// write transaction, and returns what it removed. Callers repeat it until it returns an empty
    /// summary; small batches keep the write lock short so commits are never held up for long.
    func pruneBatch(_ policy: RetentionPolicy, now: Date, limit: Int) async throws -> PruneSummary

    /// What ``pruneBatch(_:now:limit:)`` would remove at `now` if run until empty, without changing
    /// anything. (Receipts without a phone that belong to a send to several phones may be counted once
    /// per send.)
    func pruneCandidates(_ policy: RetentionPolicy, now: Date) async throws -> PruneSummary

    /// Reads, without taking the write lock, what the next ``pruneBatch(_:now:limit:)`` with the same
    /// arguments will change, so that the batch finds its pages in memory. Old rows are the pages
    /// least likely to be cached, and a batch that reads them from disk holds the write lock (and
    /// the commits waiting behind it) for that long. Only an optimisation: it may fail or read a
    /// slightly different set; callers ignore its errors and do not time it as part of the batch.
    func warmPruneBatch(_ policy: RetentionPolicy, now: Date, limit: Int) async throws
}

extension RetentionPolicy {
    /// Whether a prune batch that found `sendsFound` sends (at most `limit`) also looks for receipts
    /// whose send is gone: only once the old sends are done. That walk goes through the old receipts
    /// in time order and passes every receipt of a send still to be pruned; in each batch of a day's
    /// sends it was the day's receipts again, and it made most of a batch's time at ten million rows
    /// (Benchmarks/README.md, "Growth").
    public static func seeksStrayReceipts(sendsFound: Int, limit: Int) -> Bool { sendsFound < limit }
}

extension LedgerRetention {
    /// Nothing to warm where the server keeps its own cache (PostgreSQL).
    public func warmPruneBatch(_ policy: RetentionPolicy, now: Date, limit: Int) async throws {}
}

/// How many rows of each kind the next prune batch may take, adapted to how long the last one held
/// the write lock: every commit of the daemon waits behind a batch in progress, and what a batch
/// costs varies a hundredfold (old pages may have to come from disk; randomly keyed indexes, out ids and
/// a day's phones, put removed rows on pages of their own). Halves when a batch took longer than
/// ``target``, grows by half when it took less than half of it, within ``range``.
///
/// It starts at the smallest size and grows from there: the first batch is the one it knows nothing
/// about, and starting at 20 sends made it the longest batch of every pass at ten million rows. The
/// target is 3 ms because single batches now and then take twice their neighbours' time (the machine,
/// not the size): the longest then stays near the "few milliseconds" a commit may wait
/// (Benchmarks/README.md, "Growth").
public struct PruneBatchSizer: Sendable, Hashable {
    public var target: Duration
    public var range: ClosedRange<Int>
    public private(set) var size: Int

    public init(target: Duration = .milliseconds(3), range: ClosedRange<Int> = 5...500, start: Int? = nil) {
        self.target = target
        self.range = range
        self.size = min(max(start ?? range.lowerBound, range.lowerBound), range.upperBound)
    }

    /// Records that a batch of ``size`` took `elapsed`.
    public mutating func record(_ elapsed: Duration) {
        if elapsed > target {
            size = max(range.lowerBound, size / 2)
        } else if elapsed < target / 2 {
            size = min(range.upperBound, size + max(1, size / 2))
        }
    }
}
