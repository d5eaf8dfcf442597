import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// Tells the service manager how the daemon is doing, over the `sd_notify(3)` protocol.
///
/// The unit is `Type=notify`: systemd considers the service started only after ``ready()``, shows
/// ``status(_:)`` in `systemctl status`, and with `WatchdogSec=` restarts the service if
/// ``watchdogPing()`` stops arriving. When the daemon is not run by systemd (no `NOTIFY_SOCKET`, as
/// in a terminal or in tests) every call does nothing and returns ``NotifyResult/notConfigured``,
/// so callers never need to check ``isEnabled`` first.
public struct SystemdNotifier: Sendable {
    /// Where notifications go.
    public enum Target: Sendable, Equatable {
        /// `NOTIFY_SOCKET` of this process, through libsystemd's `sd_notify` (production).
        case environment
        /// This socket path (`@name` for the abstract namespace), regardless of the environment.
        /// For tests that run many daemons in one process: the process environment is shared by all
        /// of them, an explicit socket is not.
        case socket(String)
        /// Nowhere.
        case disabled
    }

    public let target: Target

    public init(target: Target = .environment) {
        self.target = target
    }

    /// Whether a service manager is listening: `NOTIFY_SOCKET` is set and not empty (or an
    /// explicit socket was given).
    public var isEnabled: Bool {
        switch target {
        case .disabled: return false
        case .socket: return true
        case .environment:
            guard let socket = getenv("NOTIFY_SOCKET") else { return false }
            return socket.pointee != 0
        }
    }

    /// Start-up is complete: the store is open and the pollers are running.
    @discardableResult
    public func ready() -> NotifyResult {
        send(["READY=1"])
    }

    /// A reload (SIGHUP) has begun. systemd 253 and later require `MONOTONIC_USEC` with it to tell a
    /// fresh reload from a stale message; 252 ignores the extra field. Send ``ready()`` when done.
    @discardableResult
    public func reloading() -> NotifyResult {
        send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"])
    }

    /// Graceful shutdown has begun; systemd waits up to `TimeoutStopSec=` for the exit.
    @discardableResult
    public func stopping() -> NotifyResult {
        send(["STOPPING=1"])
    }

    /// A one-line, human-readable state for `systemctl status` ("polling 2 queues, 1532 receipts").
    /// Line breaks are replaced by spaces: the protocol is line-based, and a newline inside the text
    /// would let it set other fields.
    @discardableResult
    public func status(_ line: String) -> NotifyResult {
        let flat = String(line.map { $0.isNewline ? " " : $0 })
        return send(["STATUS=\(flat)"])
    }

    /// "Still alive" for `WatchdogSec=`. Send it only when the daemon is actually making progress;
    /// ``WatchdogGate`` decides that.
    @discardableResult
    public func watchdogPing() -> NotifyResult {
        send(["WATCHDOG=1"])
    }

    /// Asks for more time during a slow start or stop (say, a large migration or a long drain).
    @discardableResult
    public func extendTimeout(by duration: Duration) -> NotifyResult {
        send(["EXTEND_TIMEOUT_USEC=\(Self.microseconds(duration))"])
    }

    /// Sends raw `KEY=value` assignments in one datagram.
    @discardableResult
    public func send(_ assignments: [String]) -> NotifyResult {
        guard isEnabled else { return .notConfigured }
        let message = assignments.joined(separator: "\n")
        if case .socket(let path) = target { return DatagramNotify.send(message, to: path) }
        let result = sd_notify(0, message)
        if result > 0 { return .sent }
        if result == 0 { return .notConfigured }
        return .failed(errno: -result)
    }

    /// How often systemd expects ``watchdogPing()``, or `nil` when the watchdog is off for this
    /// process. Reads `WATCHDOG_USEC`, and honours `WATCHDOG_PID` (the value is meant for that PID
    /// only, so a child process does not ping on its parent's behalf). Ping at half this interval,
    /// as `sd_watchdog_enabled(3)` recommends.
    public func watchdogInterval() -> Duration? {
        guard target == .environment else { return nil }
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(usec)
    }

    /// `CLOCK_MONOTONIC` in microseconds, the clock systemd compares `MONOTONIC_USEC` against.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}

/// What became of one notification. Failing to notify is never fatal to the caller: systemd
/// notices a missing READY or WATCHDOG by itself, so the daemon only logs ``failed(errno:)``.
public enum NotifyResult: Sendable, Equatable {
    case sent
    /// No service manager is listening (`NOTIFY_SOCKET` unset); nothing was sent.
    case notConfigured
    /// The socket refused the datagram; `errno` says why (e.g. `ECONNREFUSED`, `EAGAIN`).
    case failed(errno: Int32)
}
