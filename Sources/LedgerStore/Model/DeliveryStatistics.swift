import Foundation
import SMSLedgerCore

/// How ``DeliveryStatistics`` splits the sends of a window into groups.
public enum StatisticsGrouping: String, Sendable, Hashable, CaseIterable {
    /// One group, `all`.
    case none
    /// By calendar day in Beijing time (UTC+8, no daylight saving): the business sends from China,
    /// so a "day" should end at midnight where the senders are, not at 08:00 local time. The key
    /// is `yyyy-MM-dd`.
    case day
    /// By `template_code`; sends known only from receipts have none and fall in the group `-`.
    case template
    /// By provider (`alibaba`, `telesign`).
    case provider
    /// By the provider code of final failed or expired sends; every other send (delivered, pending,
    /// unknown) falls in the group `-`, so the rows still add up to the window.
    case error
}

/// What to summarise: the sends whose `sent_at` lies in `[from, to)`.
///
/// Sends without a send time (an orphan receipt that did not say) cannot be placed in a window or
/// a day, so statistics never count them.
public struct StatisticsQuery: Sendable, Hashable {
    /// Inclusive; `nil` from the first send.
    public var from: Date?
    /// Exclusive; `nil` up to the last send.
    public var to: Date?
    public var grouping: StatisticsGrouping
    /// How many error codes each group lists, most frequent first.
    public var topErrors: Int

    public init(from: Date? = nil, to: Date? = nil, grouping: StatisticsGrouping = .none, topErrors: Int = 5) {
        self.from = from
        self.to = to
        self.grouping = grouping
        self.topErrors = topErrors
    }
}

/// One provider code and how many final sends ended with it.
public struct ErrorCount: Sendable, Hashable {
    public var code: String
    /// The provider's words for the code, from one receipt that carried it; `nil` when no receipt
    /// of a send in the window had a text.
    public var text: String?
    public var count: Int

    public init(code: String, text: String?, count: Int) {
        self.code = code
        self.text = text
        self.count = count
    }
}

/// Delivery figures for one group of sends.
///
/// Every send is counted once: `pending` holds the sends that are not final (whatever their
/// intermediate state), the other counts the final ones by state, so they add up to `sends`.
public struct GroupStatistics: Sendable, Hashable {
    /// The group's key (see ``StatisticsGrouping``); `all` when ungrouped.
    public var key: String
    public var sends: Int
    public var delivered: Int
    public var failed: Int
    public var expired: Int
    /// Final `unknown`: the provider could not say, or the compensation job gave up.
    public var unknown: Int
    public var pending: Int
    /// Final sends with both a send time and a last report time: the population of the timings.
    public var timed: Int
    /// Send to final report, in milliseconds, nearest-rank (the ⌈n/2⌉-th of the sorted times).
    public var medianMillis: Int64?
    /// The ⌈0.95·n⌉-th of the sorted times.
    public var p95Millis: Int64?
    /// Most frequent first, at most ``StatisticsQuery/topErrors``.
    public var topErrors: [ErrorCount]

    public init(key: String, sends: Int = 0, delivered: Int = 0, failed: Int = 0, expired: Int = 0, unknown: Int = 0,
                pending: Int = 0, timed: Int = 0, medianMillis: Int64? = nil, p95Millis: Int64? = nil,
                topErrors: [ErrorCount] = []) {
        self.key = key
        self.sends = sends
        self.delivered = delivered
        self.failed = failed
        self.expired = expired
        self.unknown = unknown
        self.pending = pending
        self.timed = timed
        self.medianMillis = medianMillis
        self.p95Millis = p95Millis
        self.topErrors = topErrors
    }

    /// Delivered among the sends whose outcome is known (final), `nil` when none is. Pending sends
    /// stay out of it: counting them as failures would make the last hour look like an outage.
    public var deliveryRate: Double? {
        let final = sends - pending
        return final > 0 ? Double(delivered) / Double(final) : nil
    }
}

/// The summary of a window: one entry per group, in key order.
public struct DeliveryStatistics: Sendable, Hashable {
    public var grouping: StatisticsGrouping
    public var groups: [GroupStatistics]
    /// Across the whole window, most frequent first.
    public var topErrors: [ErrorCount]

    public init(grouping: StatisticsGrouping, groups: [GroupStatistics], topErrors: [ErrorCount]) {
        self.grouping = grouping
        self.groups = groups
        self.topErrors = topErrors
    }
}

/// A ledger that can summarise its sends. Kept apart from ``LedgerStore`` so the daemon's fakes
/// and future stores need not implement a reporting query to take part in the write path.
public protocol LedgerStatisticsSource: Sendable {
    func statistics(_ query: StatisticsQuery) async throws -> DeliveryStatistics
}

/// Nearest-rank percentiles over a stream of sorted values, holding only the two answers: the
/// rank of each is known from the count before the first value arrives.
struct NearestRank {
    let count: Int
    private(set) var seen = 0
    private(set) var median: Int64?
    private(set) var p95: Int64?

    init(count: Int) { self.count = count }

    /// The 1-based rank of the `percent`-th percentile among `count` values, ⌈percent·count/100⌉,
    /// in integers so that 95 % of 20 is exactly 19.
    static func rank(_ percent: Int, of count: Int) -> Int {
        max(1, (percent * count + 99) / 100)
    }

    /// Takes the next value in ascending order.
    mutating func take(_ value: Int64) {
        seen += 1
        if seen == Self.rank(50, of: count) { median = value }
        if seen == Self.rank(95, of: count) { p95 = value }
    }
}
