import Foundation

/// The days QuerySendDetails can still answer for: "only the last 30 days", counted in Beijing
/// calendar days because `SendDate` is a UTC+8 `yyyyMMdd`.
///
/// **The boundary.** We read "the last 30 days" as 30 Beijing calendar days *including today*:
/// on 2024-03-31 (Beijing) the dates `20240302` … `20240331` can be asked, `20240301` cannot. So a
/// send made on Beijing day `D` leaves the window at 00:00 Beijing time on day `D + 30`
/// (``closesAt(sentAt:)``). This is the conservative reading (the emulator enforces the same
/// rule); were Alibaba to allow a 31st day we would only give up one day early, and the last check
/// still happens inside the window.
public struct QueryWindow: Sendable, Hashable {
    /// Alibaba's limit.
    public static let alibaba = QueryWindow(days: 30)

    /// Length of the window in Beijing days, 1...30.
    public let days: Int

    public init(days: Int) {
        self.days = min(30, max(1, days))
    }

    static let secondsPerDay: Int64 = 86_400

    /// Days since 1970-01-01 of the Beijing calendar day that contains `date`.
    public static func beijingDay(of date: Date) -> Int64 {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.isFinite ? Int64(max(-1e15, min(1e15, seconds.rounded(.down)))) : 0
        let local = whole + BeijingTime.utcOffsetSeconds
        return local >= 0 ? local / secondsPerDay : -((-local + secondsPerDay - 1) / secondsPerDay)
    }

    /// 00:00 Beijing time on the given day.
    public static func startOfBeijingDay(_ day: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(day * secondsPerDay - BeijingTime.utcOffsetSeconds))
    }

    /// The oldest Beijing day QuerySendDetails still answers for at `now`.
    public func firstQueryableDay(now: Date) -> Int64 {
        Self.beijingDay(of: now) - Int64(days - 1)
    }

    /// Whether the send date of a send made at `sentAt` can still be asked about at `now`.
    /// Send dates in the future (a clock ahead of ours) count as inside: asking is harmless.
    public func contains(sentAt: Date, now: Date) -> Bool {
        Self.beijingDay(of: sentAt) >= firstQueryableDay(now: now)
    }

    /// The first instant at which the send date of `sentAt` can no longer be asked about.
    public func closesAt(sentAt: Date) -> Date {
        Self.startOfBeijingDay(Self.beijingDay(of: sentAt) + Int64(days))
    }
}

/// Everything the compensation job decides with: the check schedule and the query window.
public struct CompensationPolicy: Sendable, Hashable {
    public var schedule: CheckSchedule
    public var window: QueryWindow
    /// The last check is scheduled at least this long before the window closes, so that a check
    /// that waits for the next tick (or behind a backlog) still happens inside the window. Keep it
    /// well above the tick interval.
    public var lastCheckLead: Duration

    public init(schedule: CheckSchedule = CheckSchedule(), window: QueryWindow = .alibaba,
                lastCheckLead: Duration = .seconds(3_600)) {
        self.schedule = schedule
        self.window = window
        self.lastCheckLead = lastCheckLead
    }

    /// When to check a send again after a check at `checkedAt` that did not settle it.
    ///
    /// The schedule's delay, but never past the window: a check that would land after the last
    /// chance (`closesAt - lastCheckLead`) is moved to the last chance; once the last chance has
    /// been taken, the next "check" is the moment the window closes, when the planner closes the
    /// send as `unknown` without asking. Without a send time there is no window to respect.
    public func nextCheck(after checkedAt: Date, checksDone: Int, sentAt: Date?) -> Date {
        let proposed = checkedAt.addingTimeInterval(schedule.delay(afterChecks: checksDone).asTimeInterval)
        guard let sentAt else { return proposed }
        let closes = window.closesAt(sentAt: sentAt)
        let lastChance = closes.addingTimeInterval(-max(.zero, lastCheckLead).asTimeInterval)
        if proposed < lastChance { return proposed }
        if checkedAt < lastChance { return lastChance }
        return max(closes, checkedAt)
    }
}
