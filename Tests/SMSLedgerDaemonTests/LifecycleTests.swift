import AlicomEmulator
import Foundation
import SMSLedgerDaemon
import Testing

@Suite("Daemon lifecycle: readiness, reload, shutdown", .serialized)
struct LifecycleTests {
    @Test func notifiesReadyThenStatusThenStoppingOverTheNotifySocket() async throws {
        let harness = try await DaemonHarness.make()
        let socket = try NotifySocket()
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<50).map { Bodies.report($0) })
        let daemon = harness.startDaemon(notifySocket: socket.path)
        let untilReady = try #require(await socket.waitFor { $0 == "READY=1" })
        let beforeReady = untilReady.prefix { $0 != "READY=1" }
        #expect(!beforeReady.contains { $0.hasPrefix("STATUS=") || $0 == "WATCHDOG=1" }, "READY comes first")
        try await harness.waitUntilDrained()
        let later = try #require(await socket.waitFor { $0.hasPrefix("STATUS=") && $0.contains("SmsReport: 50 stored") })
        #expect(later.contains("WATCHDOG=1"), "pollers are alive, so the watchdog is fed")
        #expect(await DaemonHarness.stop(daemon) == 0)
        #expect(await socket.collect(for: .milliseconds(300)).contains("STOPPING=1") || later.contains("STOPPING=1"))
        await harness.cleanUp()
    }

    @Test func anInvalidConfigExitsWithEXCONFIG() async throws {
        let harness = try await DaemonHarness.make()
        try "[polling]\nwait_secs = 3\n".write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        let daemon = harness.startDaemon()
        #expect(await daemon.task.value == 78)
        await harness.cleanUp()
    }

    @Test func sigtermDrainsTheBatchesInFlightAndLosesNothing() async throws {
        let harness = try await DaemonHarness.make(pollers: 2)
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<2000).map { Bodies.report($0) })
        let daemon = harness.startDaemon()
        // Stop once the first batches are committed (polled: a fixed sleep was too short when the
        // full suite loads the machine, and the test then stopped a daemon that had stored nothing).
        let firstCommit = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < firstCommit, (try? await harness.counts().receipts) ?? 0 == 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
        let started = ContinuousClock.now
        #expect(await DaemonHarness.stop(daemon) == 0)
        #expect(ContinuousClock.now - started < .seconds(10), "well within TimeoutStopSec")
        let stored = try await harness.counts().receipts
        let depth = try #require(harness.emulator.depth(of: harness.emulator.smsReportQueue))
        #expect(stored > 0)
        // Everything is either committed or still in the queue (in flight ones reappear later).
        #expect(stored + depth.visible + depth.inFlight >= 2000)
        // A restart picks up the rest: every message exactly once.
        let again = harness.startDaemon()
        try await harness.waitUntilDrained()
        #expect(await DaemonHarness.stop(again) == 0)
        #expect(try await harness.counts().receipts == 2000)
        await harness.cleanUp()
    }

    @Test func sighupAppliesANewQueueConfigAndKeepsTheOldOneWhenTheNewIsInvalid() async throws {
        let harness = try await DaemonHarness.make(pollers: 1)
        let socket = try NotifySocket()
        let daemon = harness.startDaemon(notifySocket: socket.path)
        _ = try #require(await socket.waitFor { $0 == "READY=1" })

        // A broken file: the reload is refused and the daemon keeps consuming.
        try "[polling]\nbatch_size = 99\n".write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        daemon.signals.yield(.reload)
        let refused = try #require(await socket.waitFor { $0.hasPrefix("STATUS=reload refused") })
        #expect(refused.contains { $0.hasPrefix("RELOADING=1") })
        #expect(refused.last { $0.hasPrefix("STATUS=reload refused") }?.contains("polling.batch_size") == true,
                "STATUS= names the key")
        let later = try #require(await socket.waitFor { $0.hasPrefix("STATUS=") && $0.contains("SmsReport:") })
        #expect(later.last { $0.hasPrefix("STATUS=") }?.hasPrefix("STATUS=reload refused, previous config running") == true,
                "the refusal stays in the periodic status line")
        harness.emulator.enqueue(queue: harness.emulator.smsUpQueue, bodies: (0..<20).map(Bodies.reply))
        try await harness.waitUntilDrained()
        #expect(try await harness.counts().replies == 20)

        // A valid file with other polling settings and a disabled SmsUp queue.
        try harness.writeConfig(pollers: 2, waitSeconds: 1, batchSize: 4, extra: "")
        var text = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        text = text.replacingOccurrences(of: "[queues]\n", with: "[queues]\nsms_up_enabled = false\n")
        try text.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        _ = await socket.collect(for: .milliseconds(200))  // the READY=1 that ended the refused reload
        daemon.signals.yield(.reload)
        let reload = try #require(await socket.waitFor { $0 == "READY=1" })
        #expect(reload.contains { $0.hasPrefix("RELOADING=1") }, "READY=1 follows RELOADING=1")
        harness.emulator.enqueue(queue: harness.emulator.smsUpQueue, bodies: (20..<30).map(Bodies.reply))
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<40).map { Bodies.report($0) })
        let deadline = ContinuousClock.now + .seconds(15)
        while try await harness.counts().receipts < 40, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await harness.counts().receipts == 40)
        #expect(try await harness.counts().replies == 20, "SmsUp is no longer polled after the reload")
        // Still in the queue: the old runtime's cancelled long poll may have been handed them before
        // its connection closed (they are then invisible until the visibility timeout), but nobody
        // committed or deleted them.
        #expect(harness.emulator.depth(of: harness.emulator.smsUpQueue).map { $0.visible + $0.inFlight } == 10)
        #expect(await DaemonHarness.stop(daemon) == 0)
        await harness.cleanUp()
    }
}
