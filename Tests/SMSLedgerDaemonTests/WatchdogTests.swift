import CSQLite
import Foundation
import SMSLedgerDaemon
import Testing

@Suite("The watchdog follows the pollers' progress")
struct WatchdogTests {
    /// A second connection holds SQLite's write lock and the daemon's store waits for it (a long
    /// busy timeout): its commit is wedged. WATCHDOG=1 must stop while it is, so that systemd's
    /// watchdog restarts a daemon that stopped making progress, and come back once it moves again.
    @Test func pingsStopWhileACommitIsWedgedAndResumeAfterwards() async throws {
        let harness = try await DaemonHarness.make(pollers: 1)
        var config = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: "request_timeout_seconds = 5", with: "request_timeout_seconds = 1")
            .replacingOccurrences(of: "[store]\n", with: "[store]\nbusy_timeout_ms = 600000\n")
        try config.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        let socket = try NotifySocket()
        let daemon = harness.startDaemon(notifySocket: socket.path, stepAllowance: .zero)
        _ = try #require(await socket.waitFor { $0 == "READY=1" })
        #expect(await socket.waitFor(timeout: .seconds(10)) { $0 == "WATCHDOG=1" } != nil, "alive: pinging")

        var lock: OpaquePointer?
        #expect(sqlite3_open(harness.storePath, &lock) == SQLITE_OK)
        #expect(sqlite3_exec(lock, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<10).map { Bodies.report($0) })
        // The step limit is wait 1 s + 2 × timeout 1 s: after that the pings must stop.
        try await Task.sleep(for: .seconds(4))
        _ = await socket.collect(for: .milliseconds(300))  // what queued up before the wedge
        let whileWedged = await socket.collect(for: .seconds(2))
        #expect(!whileWedged.contains("WATCHDOG=1"), "no ping while a commit is stuck")
        #expect(whileWedged.contains { $0.hasPrefix("STATUS=WEDGED") && $0.contains("SmsReport-1") },
                "the status line says which poller is stuck")
        #expect(harness.emulator.depth(of: harness.emulator.smsReportQueue).map { $0.visible + $0.inFlight } == 10,
                "nothing deleted while nothing is committed")

        #expect(sqlite3_exec(lock, "ROLLBACK", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(lock)
        #expect(await socket.waitFor(timeout: .seconds(5)) { $0 == "WATCHDOG=1" } != nil, "pings resume")
        try await harness.waitUntilDrained()
        #expect(await DaemonHarness.stop(daemon) == 0)
        #expect(try await harness.counts().receipts == 10)
        await harness.cleanUp()
    }
}
