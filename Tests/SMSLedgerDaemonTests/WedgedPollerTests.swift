import Foundation
import LedgerStore
import SMSLedgerDaemon
import Testing

/// Issue 4, the watchdog half: a poller whose commit hangs is "wedged", and the daemon withholds
/// `WATCHDOG=1` while any poller is not alive (`PollerHealth.isAlive`), so systemd restarts it.
/// The daemon's own step limit is over 30 s; here the pollers run on a ``ManualClock``, so the test
/// moves time past the limit instead of waiting for it.
@Suite("A wedged poller stops counting as alive", .serialized)
struct WedgedPollerTests {
    @Test func aCommitHangingLongerThanMaxStepMakesThePollerNotAliveAndNothingIsDeletedUntilItReturns() async throws {
        let count = 40
        let maxStep = Duration.milliseconds(300)
        let clock = ManualClock()
        let (rig, store) = try await PollingRig.make(visibilityTimeout: 5, logger: LogRecorder().logger(),
                                                     now: clock.now) { harness in
            FaultInjectingStore(try SQLiteLedgerStore(at: harness.storePath, options: SQLiteLedgerOptions(synchronous: .normal)))
        }
        store.setCommitMode(.block)
        rig.harness.emulator.enqueue(queue: rig.queue, bodies: (0..<count).map { Bodies.report($0) })
        #expect(rig.poller.health.isAlive(now: clock.now(), maxStep: maxStep), "a poller that has not started is alive")
        rig.runtime.start()

        #expect(await eventually { store.blockedCommits == 1 }, "the first batch's commit hangs")
        #expect(rig.poller.health.isAlive(now: clock.now(), maxStep: maxStep), "a step that just began is alive")
        clock.advance(by: maxStep)
        #expect(rig.poller.health.isAlive(now: clock.now(), maxStep: maxStep), "alive up to maxStep")
        clock.advance(by: .milliseconds(1))
        #expect(!rig.poller.health.isAlive(now: clock.now(), maxStep: maxStep),
                "not alive once the hanging commit has run longer than maxStep")
        let fewestUndeleted = rig.undeleted
        #expect(rig.poller.health.snapshot.busySince != nil)
        #expect(store.blockedCommits == 1, "a wedged poller starts nothing else")
        #expect(fewestUndeleted == count && rig.undeleted == count, "nothing deleted while the commit hangs")
        #expect(try await store.counts() == LedgerCounts())

        store.setCommitMode(.pass)
        #expect(await eventually { rig.poller.health.isAlive(now: clock.now(), maxStep: maxStep) },
                "alive again once the commit returns")
        try await rig.harness.waitUntilDrained(timeout: .seconds(15))
        let stored = try await store.receipts(LedgerQuery(limit: 1000))
        #expect(stored.count == count)
        #expect(Set(stored.map(\.receipt.bizId)).count == count, "each message stored exactly once")
        await rig.tearDown(store)
    }
}
