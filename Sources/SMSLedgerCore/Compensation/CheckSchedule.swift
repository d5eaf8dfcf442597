import Foundation

/// When the compensation job asks about an open send again.
///
/// Receipts normally arrive within minutes, so the first question waits a while after the send and
/// later ones back off: an answer that was "still waiting" an hour ago rarely changes in the next
/// minute, and QuerySendDetails calls count against the account's rate limit.
///
/// | checks already done | next check                                        |
/// |---------------------|---------------------------------------------------|
/// | 0                   | `sentAt + firstCheckAfter` (set when recorded)    |
/// | 1                   | that check + `backoff[0]`                         |
/// | 2                   | that check + `backoff[1]`                         |
/// | n ≥ backoff.count   | that check + `backoff.last` (repeats)             |
///
/// With the defaults (15 min, then 1 h, 4 h, 12 h, 24 h …) a send that never settles is asked
/// about roughly 33 times in its 30-day window. ``CompensationPolicy`` moves the last check before
/// the window closes.
public struct CheckSchedule: Sendable, Hashable {
    /// Used after a check when ``backoff`` is empty.
    public static let fallbackBackoff: Duration = .seconds(3_600)
    /// No delay after a check is shorter than this, so a zero in the config cannot spin the job.
    public static let minimumDelay: Duration = .seconds(1)

    public var firstCheckAfter: Duration
    public var backoff: [Duration]

    public init(firstCheckAfter: Duration = .seconds(900),
                backoff: [Duration] = [.seconds(3_600), .seconds(14_400), .seconds(43_200), .seconds(86_400)]) {
        self.firstCheckAfter = firstCheckAfter
        self.backoff = backoff
    }

    /// The wait before the next check once `checksDone` checks have happened (see the table above).
    /// For `checksDone == 0` this is the wait after the send itself.
    public func delay(afterChecks checksDone: Int) -> Duration {
        guard checksDone > 0 else { return max(.zero, firstCheckAfter) }
        guard let last = backoff.last else { return Self.fallbackBackoff }
        let delay = checksDone - 1 < backoff.count ? backoff[checksDone - 1] : last
        return max(Self.minimumDelay, delay)
    }

    /// ``firstCheckAfter`` in seconds, as `LedgerBatch.firstCheckDelay` wants it when sends are recorded.
    public var firstCheckDelay: TimeInterval { firstCheckAfter.asTimeInterval }
}

extension Duration {
    /// The duration in (fractional) seconds, for arithmetic with `Date`.
    var asTimeInterval: TimeInterval {
        let (whole, attoseconds) = components
        return TimeInterval(whole) + TimeInterval(attoseconds) / 1e18
    }
}
