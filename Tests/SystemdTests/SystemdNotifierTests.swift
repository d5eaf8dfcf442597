import Foundation
import Testing
@testable import Systemd
#if canImport(Glibc)
import Glibc
#endif

/// `SystemdNotifier()` reads NOTIFY_SOCKET and WATCHDOG_* from the process environment, through
/// libsystemd, as in production. Each test sets them in a child process (a Swift Testing exit test)
/// and the child reports by its exit status: in the test process, `setenv` may move glibc's
/// environment array while another test's thread reads it with `getenv` (swift-log, Foundation and
/// libsystemd all do), and that read of freed memory can crash the whole run. The parent binds the
/// socket and reads what the child sent.
@Suite("SystemdNotifier over a real notify socket")
struct SystemdNotifierTests {
    /// The calls that send one fixed datagram, and the datagram each must send.
    enum Call: String, Codable, CaseIterable, Sendable {
        case ready, status, watchdogPing, stopping, extendTimeout

        var expected: String {
            switch self {
            case .ready: "READY=1"
            case .status: "STATUS=polling 2 queues READY=1"  // the newline is flattened
            case .watchdogPing: "WATCHDOG=1"
            case .stopping: "STOPPING=1"
            case .extendTimeout: "EXTEND_TIMEOUT_USEC=1500000"
            }
        }

        func perform(_ notifier: SystemdNotifier) -> NotifyResult {
            switch self {
            case .ready: notifier.ready()
            case .status: notifier.status("polling 2 queues\nREADY=1")
            case .watchdogPing: notifier.watchdogPing()
            case .stopping: notifier.stopping()
            case .extendTimeout: notifier.extendTimeout(by: .milliseconds(1500))
            }
        }
    }

    @Test("each call sends its datagram to NOTIFY_SOCKET", arguments: Call.allCases)
    func callSendsItsDatagram(_ call: Call) async throws {
        let socket = try NotifySocket()
        await #expect(processExitsWith: .success) { [path = socket.path as String, call = call as Call] in
            setenv("NOTIFY_SOCKET", path, 1)
            exit(call.perform(SystemdNotifier()) == .sent ? 0 : 1)
        }
        #expect(socket.receive() == call.expected)
    }

    @Test func reloadingSendsTheCurrentMonotonicTime() async throws {
        let socket = try NotifySocket()
        // CLOCK_MONOTONIC is system-wide, so the child's stamp falls between these two readings.
        let before = SystemdNotifier.monotonicMicroseconds()
        await #expect(processExitsWith: .success) { [path = socket.path as String] in
            setenv("NOTIFY_SOCKET", path, 1)
            exit(SystemdNotifier().reloading() == .sent ? 0 : 1)
        }
        let after = SystemdNotifier.monotonicMicroseconds()
        let lines = try #require(socket.receive()).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last?.split(separator: "=", maxSplits: 1))
        #expect(stamp.first == "MONOTONIC_USEC")
        let usec = try #require(UInt64(String(stamp.last ?? "")))
        #expect(before <= usec && usec <= after)
    }

    @Test func isEnabledFollowsNotifySocket() async throws {
        let socket = try NotifySocket()
        await #expect(processExitsWith: .success) { [path = socket.path as String] in
            unsetenv("NOTIFY_SOCKET")
            guard !SystemdNotifier().isEnabled else { exit(1) }
            setenv("NOTIFY_SOCKET", path, 1)
            exit(SystemdNotifier().isEnabled ? 0 : 2)
        }
    }

    @Test func withoutNotifySocketNothingIsSent() async throws {
        let socket = try NotifySocket()
        await #expect(processExitsWith: .success) {
            unsetenv("NOTIFY_SOCKET")
            exit(SystemdNotifier().ready() == .notConfigured ? 0 : 1)
        }
        #expect(socket.isEmpty())
    }

    @Test func aVanishedSocketReportsFailureWithErrno() async {
        await #expect(processExitsWith: .success) {
            setenv("NOTIFY_SOCKET", "/tmp/sdnotify-does-not-exist/notify.sock", 1)
            exit(SystemdNotifier().ready() == .failed(errno: ENOENT) ? 0 : 1)
        }
    }

    @Test func watchdogIntervalComesFromWatchdogUsec() async {
        await #expect(processExitsWith: .success) {
            setenv("WATCHDOG_USEC", "30000000", 1)
            setenv("WATCHDOG_PID", String(getpid()), 1)
            exit(SystemdNotifier().watchdogInterval() == .seconds(30) ? 0 : 1)
        }
    }

    @Test func watchdogMeantForAnotherProcessIsIgnored() async {
        await #expect(processExitsWith: .success) {
            setenv("WATCHDOG_USEC", "30000000", 1)
            setenv("WATCHDOG_PID", String(getpid() + 1), 1)
            exit(SystemdNotifier().watchdogInterval() == nil ? 0 : 1)
        }
    }

    @Test func noWatchdogUsecMeansNoWatchdog() async {
        await #expect(processExitsWith: .success) {
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
            exit(SystemdNotifier().watchdogInterval() == nil ? 0 : 1)
        }
    }
}
