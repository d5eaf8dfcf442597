/// How the SQLite ledger trades durability for speed, and how long it waits for a lock.
public struct SQLiteLedgerOptions: Sendable, Hashable {
    /// SQLite's `PRAGMA synchronous`, in WAL mode.
    ///
    /// Only `full` and `extra` make a commit survive a power cut: the pollers delete MNS messages right
    /// after the commit returns, and an SmsUp reply cannot be fetched again, so `full` is the default.
    /// `normal` keeps the database consistent but may lose the last commits on power loss (not on a
    /// process crash); `off` is for throwaway benchmarks only.
    public enum Synchronous: String, Sendable, Hashable, CaseIterable {
        case off, normal, full, extra

        /// The number `PRAGMA synchronous` reads back.
        var pragmaValue: Int64 {
            switch self {
            case .off: 0
            case .normal: 1
            case .full: 2
            case .extra: 3
            }
        }

        init?(pragmaValue: Int64) {
            guard let match = Self.allCases.first(where: { $0.pragmaValue == pragmaValue }) else { return nil }
            self = match
        }
    }

    public var synchronous: Synchronous
    /// How long a statement waits for another connection's lock before failing with
    /// ``StoreError/Kind/busy``. The daemon is the only writer, so this mostly covers a CLI reader
    /// that happens to hold the lock during a WAL checkpoint.
    public var busyTimeout: Duration

    /// Append a webhook event for every new receipt, reply, quarantined body and settled send, in the
    /// same transaction (see ``WebhookOutbox``). Off unless endpoints are configured, so a ledger
    /// without webhooks writes exactly what it wrote before.
    public var webhookEvents = false

    public init(synchronous: Synchronous = .full, busyTimeout: Duration = .seconds(5)) {
        self.synchronous = synchronous
        self.busyTimeout = busyTimeout
    }

    var busyTimeoutMilliseconds: Int64 {
        let (seconds, attoseconds) = busyTimeout.components
        let millis = seconds.multipliedReportingOverflow(by: 1000)
        guard !millis.overflow, millis.partialValue >= 0 else { return seconds < 0 ? 0 : Int64(Int32.max) }
        return min(millis.partialValue + attoseconds / 1_000_000_000_000_000, Int64(Int32.max))
    }
}

/// What the open connection actually runs with, read back from SQLite after setting it.
///
/// Read back rather than assumed: `journal_mode=WAL` silently stays `delete` on file systems without
/// shared memory, and an operator reading a status line deserves the real answer.
public struct SQLiteDurability: Sendable, Hashable {
    /// `wal` for a store opened read-write.
    public var journalMode: String
    public var synchronous: SQLiteLedgerOptions.Synchronous
    public var busyTimeoutMilliseconds: Int64
}
