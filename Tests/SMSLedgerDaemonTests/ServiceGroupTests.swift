import Foundation
import LedgerStore
import RawHTTPClient
import Testing
@testable import SMSLedgerDaemon

/// The daemon as a swift-service-lifecycle ServiceGroup: what starts, what needs credentials, how it
/// ends when a service cannot start, and its stop deadline against the unit's.
@Suite("Daemon services", .serialized)
struct ServiceGroupTests {
    /// A business that only takes TeleSign callbacks (or Alibaba pushes) runs the listener alone,
    /// with no AccessKey configured.
    @Test func aListenerOnlyDeploymentNeedsNoAlibabaCredentials() async throws {
        let harness = try await DaemonHarness.make()
        try """
            [queues]
            sms_report_enabled = false
            sms_up_enabled = false
            [compensation]
            enabled = false
            [store]
            path = "\(harness.storePath)"
            [http]
            listen = "127.0.0.1:0"
            [logging]
            level = "warning"
            format = "text"
            """.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        let daemon = harness.startDaemon()
        let deadline = ContinuousClock.now + .seconds(20)
        while daemon.daemon.httpPort == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let port = try #require(daemon.daemon.httpPort)
        let health = try await RawHTTP.send(port: port, method: "GET", target: "/healthz")
        #expect(health.status == 200)
        #expect(await DaemonHarness.stop(daemon) == 0)
        await harness.cleanUp()
    }

    @Test func queuesWithoutCredentialsStillExitWithEXCONFIGNamingTheKey() async throws {
        let harness = try await DaemonHarness.make()
        try "[queues]\naccount_uid = \"1\"\n[store]\npath = \"\(harness.storePath)\"\n"
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(await harness.startDaemon().task.value == 78)
        await harness.cleanUp()
    }

    /// A port already taken is a configuration error: the group shuts down and nothing keeps running.
    @Test func aListenerThatCannotBindEndsTheGroupWithEXCONFIG() async throws {
        let harness = try await DaemonHarness.make()
        let first = harness.startDaemon()
        let deadline = ContinuousClock.now + .seconds(20)
        while first.daemon.httpPort == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let port = try #require(first.daemon.httpPort)
        let second = DaemonHarness(emulator: harness.emulator, port: harness.port, directory: harness.directory,
                                   configPath: harness.directory.appendingPathComponent("second.toml").path,
                                   storePath: harness.directory.appendingPathComponent("second.sqlite").path)
        try second.writeConfig(extra: "")
        let text = try String(contentsOfFile: second.configPath, encoding: .utf8)
            .replacingOccurrences(of: "listen = \"127.0.0.1:0\"", with: "listen = \"127.0.0.1:\(port)\"")
        try text.write(toFile: second.configPath, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        #expect(await second.startDaemon().task.value == 78)
        #expect(ContinuousClock.now - started < .seconds(20), "the pollers did not keep the process alive")
        #expect(await DaemonHarness.stop(first) == 0)
        await harness.cleanUp()
    }

    /// systemd sends SIGKILL after TimeoutStopSec=; the daemon's own deadline must come first.
    @Test func theStopDeadlineIsBelowTheUnitsTimeoutStopSec() throws {
        let unit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/smsledger.service")
        let text = try String(contentsOf: unit, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("TimeoutStopSec=") })
        let seconds = try #require(Int(line.dropFirst("TimeoutStopSec=".count)))
        #expect(Daemon.stopDeadline < .seconds(seconds))
        #expect(Daemon.stopDeadline >= .seconds(seconds) - .seconds(10), "not so short that a normal drain is cut")
    }

    @Test func oneShotDeliversOnceWhicheverComesFirst() async {
        let early = OneShot<Int>()
        early.fire(1)
        early.fire(2)
        #expect(await early.value() == 1)
        let late = OneShot<Int>()
        Task { try? await Task.sleep(for: .milliseconds(20)); late.fire(3); late.fire(4) }
        #expect(await late.value() == 3)
    }

    @Test func aStopThatHangsIsAbandonedWhenCancelled() async {
        let task = Task { await stoppingUnlessCancelled { try? await Task.sleep(for: .seconds(3600)) } }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let started = ContinuousClock.now
        await task.value
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func theStartupBarrierReleasesWaitersOnceAllArrived() async {
        let barrier = StartupBarrier(count: 2)
        async let waited = barrier.wait()
        barrier.arrive()
        barrier.arrive()
        #expect(await waited)
        let never = StartupBarrier(count: 1)
        let task = Task { await never.wait() }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        #expect(await task.value == false)
    }
}
