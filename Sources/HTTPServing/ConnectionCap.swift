import Foundation
import Logging

/// The limit on open connections. Every accepted connection asks ``admit()``; one over the limit is
/// closed at once, before any handler or buffer is set up for it.
///
/// Why: each connection holds a file descriptor, and the daemon shares its descriptor limit with
/// the MNS pollers and SQLite. Without a cap, enough idle clients use up the limit and the ledger
/// stops because of its listener. Accepting and closing (rather than leaving connections in the
/// backlog) keeps the backlog moving, so the kernel never holds an unbounded queue on our behalf.
final class ConnectionCap: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`; connections come and go on many event loops.
    private let limit: Int?
    private let logger: Logger
    private let lock = NSLock()
    private var open = 0
    private var refusalLog = RefusalLogThrottle()

    init(limit: Int?, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// Counts the connection in and returns `true`, or returns `false` (and logs, at most once a
    /// minute) when the cap is reached.
    func admit() -> Bool {
        let (admitted, report) = lock.withLock { () -> (Bool, Int?) in
            if let limit, open >= limit {
                return (false, refusalLog.record(at: .now))
            }
            open += 1
            return (true, nil)
        }
        if let report, let limit {
            logger.warning("refused \(report) connection(s) since the last report: \(limit) are open, the cap")
        }
        return admitted
    }

    /// Counts an admitted connection out once it has closed.
    func release() {
        lock.withLock { open -= 1 }
    }

    /// Connections admitted and not yet closed.
    var openConnections: Int { lock.withLock { open } }
}

/// Decides when refusals are logged: the first at once, then at most one line a minute carrying
/// the count since the previous line. A flood of thousands of refusals a second must not become
/// thousands of journal lines a second (journald would rate-limit and drop the daemon's other lines).
/// Refusals after the last line are not logged until the next refusal; the listener's counters
/// (`STATUS=`) always carry the total.
struct RefusalLogThrottle: Sendable {
    static let interval: Duration = .seconds(60)
    private var lastReport: ContinuousClock.Instant?
    private var unreported = 0

    /// Records one refusal at `now`; returns how many refusals to report now, or `nil` to stay quiet.
    mutating func record(at now: ContinuousClock.Instant) -> Int? {
        unreported += 1
        if let lastReport, now - lastReport < Self.interval { return nil }
        lastReport = now
        defer { unreported = 0 }
        return unreported
    }
}
