import AlicomEmulator
import Foundation
import LedgerStore
import RawHTTPClient
import SMSLedgerDaemon
import Testing

/// Issue 14's closing check: a flood of idle and slow connections on the listener and poisoned
/// batches in the queue, together, still leave every good message stored on its first delivery.
@Suite("Hardening: a listener flood and poisoned batches at once", .serialized)
struct FloodAndPoisonTests {
    @Test func everyGoodMessageIsStoredOnItsFirstDeliveryWhileTheListenerIsFloodedAndBatchesArePoisoned() async throws {
        // A visibility timeout far longer than the test: a message that had to come back could not
        // have left the queue by the end, so "all deleted" means "each handled at its first delivery".
        let harness = try await DaemonHarness.make(pollers: 2, httpConfig: ListenerFlood.httpConfig) {
            $0.visibilityTimeout = 120
        }
        let flood = try await ListenerFlood.open(on: harness)
        let (running, idle, slow) = (flood.running, flood.idle, flood.slow)

        harness.emulator.faults = EmulatorFaults(corruptBodyShare: 0.1)
        let count = 400
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<count).map { Bodies.report($0) })
        async let slowClosed = RawHTTP.offThread { slow.waitForClosures(timeout: 60, dribble: "GET /healthz HTTP/1.1\r\n") }
        async let idleClosed = RawHTTP.offThread { idle.waitForClosures(timeout: 60) }

        let queue = harness.emulator.smsReportQueue
        #expect(await eventually(within: .seconds(60)) { harness.emulator.depth(of: queue)?.total == 0 },
                "every message deleted at its first delivery")
        #expect(try await slowClosed == 150)
        #expect(try await idleClosed == 150)
        #expect(await DaemonHarness.stop(running) == 0)

        let damaged = harness.emulator.permanentlyDamagedMessageIds.count
        try #require(damaged > 0 && damaged < count, "the seed poisons some batches, not all")
        let counts = try await harness.counts()
        #expect(counts.receipts == count - damaged, "every good message is stored")
        #expect(counts.quarantine == damaged, "every poisoned message is quarantined with its reason")
        await harness.cleanUp()
    }
}
