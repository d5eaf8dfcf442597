import AlibabaCloud
import AlicomEmulator
import Foundation
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore
import SMSLedgerDaemon
import Synchronization
import Testing

/// The daemon's queue pollers (a real ``PollingRuntime`` from a real config file) against the
/// emulator of a ``DaemonHarness``, over a store the test supplies.
///
/// `Daemon` opens its own SQLite store, so tests that need to make the store misbehave build the
/// polling half of the daemon themselves. Only the SmsReport queue is polled, with one poller and no
/// compensation, so every commit the store sees comes from that one poller.
struct PollingRig: Sendable {
    let harness: DaemonHarness
    let runtime: PollingRuntime
    let transport: AsyncHTTPClientTransport

    /// The one SmsReport poller.
    var poller: QueuePoller { runtime.pollers[0] }

    var queue: String { harness.emulator.smsReportQueue }

    /// Messages visible, in flight or delayed in the SmsReport queue: those not deleted yet.
    var undeleted: Int { harness.emulator.depth(of: queue)?.total ?? -1 }

    /// - Parameter visibilityTimeout: seconds before a received, undeleted message is delivered again.
    ///   - store: opens the ledger the pollers commit to (the harness names its path).
    ///   - now: the pollers' clock (see ``ManualClock``).
    static func make<Store: LedgerStore>(visibilityTimeout: TimeInterval, logger: Logger,
                                         now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                                         store: (DaemonHarness) throws -> Store) async throws -> (PollingRig, Store) {
        let harness = try await DaemonHarness.make(pollers: 1) { $0.visibilityTimeout = visibilityTimeout }
        try harness.writeConfig(pollers: 1, waitSeconds: 1, extra: "[compensation]\nenabled = false\n")
        var text = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        text = text.replacingOccurrences(of: "[queues]\n", with: "[queues]\nsms_up_enabled = false\n")
        try text.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        let configuration = try ConfigLoader.load(path: harness.configPath, environment: [:]).configuration
        let ledger = try store(harness)
        let transport = AsyncHTTPClientTransport()
        let runtime = try PollingRuntime(configuration: configuration, store: ledger, transport: transport, logger: logger,
                                         now: now)
        try #require(runtime.pollers.count == 1)
        return (PollingRig(harness: harness, runtime: runtime, transport: transport), ledger)
    }

    /// Stops the pollers gracefully, closes the store and the emulator, removes the files.
    func tearDown(_ store: any LedgerStore) async {
        await runtime.stop()
        await store.close()
        try? await transport.shutdown()
        await harness.cleanUp()
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
func eventually(within timeout: Duration = .seconds(10),
                _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// A clock that stands still until a test moves it, for the pollers' step dates (``PollerHealth``).
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    var now: @Sendable () -> ContinuousClock.Instant { { [self] in instant.withLock { $0 } } }

    func advance(by duration: Duration) {
        instant.withLock { $0 += duration }
    }
}
