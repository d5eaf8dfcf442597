import Foundation
import Testing
@testable import Systemd
#if canImport(Glibc)
import Glibc
#endif

/// These tests change NOTIFY_SOCKET and WATCHDOG_* in the test process's environment, which is
/// shared by all tests, so they run one at a time and put the variables back afterwards. No other
/// suite reads those variables.
@Suite("SystemdNotifier over a real notify socket", .serialized)
struct SystemdNotifierTests {
    private func withNotifySocket(_ body: (NotifySocket) throws -> Void) throws {
        let socket = try NotifySocket()
        setenv("NOTIFY_SOCKET", socket.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        try body(socket)
    }

    @Test func readySendsReadyEqualsOne() throws {
        try withNotifySocket { socket in
            #expect(SystemdNotifier().ready() == .sent)
            #expect(socket.receive() == "READY=1")
        }
    }

    @Test func statusSendsTheLineWithNewlinesFlattened() throws {
        try withNotifySocket { socket in
            SystemdNotifier().status("polling 2 queues\nREADY=1")
            #expect(socket.receive() == "STATUS=polling 2 queues READY=1")
        }
    }

    @Test func watchdogPingSendsWatchdogEqualsOne() throws {
        try withNotifySocket { socket in
            SystemdNotifier().watchdogPing()
            #expect(socket.receive() == "WATCHDOG=1")
        }
    }

    @Test func stoppingSendsStoppingEqualsOne() throws {
        try withNotifySocket { socket in
            SystemdNotifier().stopping()
            #expect(socket.receive() == "STOPPING=1")
        }
    }

    @Test func reloadingSendsTheCurrentMonotonicTime() throws {
        try withNotifySocket { socket in
            let before = SystemdNotifier.monotonicMicroseconds()
            SystemdNotifier().reloading()
            let after = SystemdNotifier.monotonicMicroseconds()
            let lines = try #require(socket.receive()).split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first == "RELOADING=1")
            let stamp = try #require(lines.last?.split(separator: "=", maxSplits: 1))
            #expect(stamp.first == "MONOTONIC_USEC")
            let usec = try #require(UInt64(String(stamp.last ?? "")))
            #expect(before <= usec && usec <= after)
        }
    }

    @Test func extendTimeoutSendsMicroseconds() throws {
        try withNotifySocket { socket in
            SystemdNotifier().extendTimeout(by: .milliseconds(1500))
            #expect(socket.receive() == "EXTEND_TIMEOUT_USEC=1500000")
        }
    }

    @Test func isEnabledFollowsNotifySocket() throws {
        unsetenv("NOTIFY_SOCKET")
        #expect(!SystemdNotifier().isEnabled)
        try withNotifySocket { _ in #expect(SystemdNotifier().isEnabled) }
    }

    @Test func withoutNotifySocketNothingIsSent() throws {
        let socket = try NotifySocket()
        unsetenv("NOTIFY_SOCKET")
        #expect(SystemdNotifier().ready() == .notConfigured)
        #expect(socket.isEmpty())
    }

    @Test func aVanishedSocketReportsFailureWithErrno() throws {
        setenv("NOTIFY_SOCKET", "/tmp/sdnotify-does-not-exist/notify.sock", 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        guard case .failed(let code) = SystemdNotifier().ready() else {
            Issue.record("expected a failure")
            return
        }
        #expect(code == ENOENT)
    }

    @Test func watchdogIntervalComesFromWatchdogUsec() {
        setenv("WATCHDOG_USEC", "30000000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        defer { unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }
        #expect(SystemdNotifier().watchdogInterval() == .seconds(30))
    }

    @Test func watchdogMeantForAnotherProcessIsIgnored() {
        setenv("WATCHDOG_USEC", "30000000", 1)
        setenv("WATCHDOG_PID", String(getpid() + 1), 1)
        defer { unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }
        #expect(SystemdNotifier().watchdogInterval() == nil)
    }

    @Test func noWatchdogUsecMeansNoWatchdog() {
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        #expect(SystemdNotifier().watchdogInterval() == nil)
    }
}
