import AlicomEmulator
import Foundation
import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// The daemon against the emulator over loopback: real HTTP, real signatures, real SQLite.
@Suite("End to end: both queues into the ledger", .serialized)
struct EndToEndTests {
    @Test func thousandsOfMessagesInBothQueuesAreStoredExactlyOnceAndTheQueuesEmptied() async throws {
        let harness = try await DaemonHarness.make(pollers: 2)
        let reports = (0..<3000).map { Bodies.report($0, success: $0 % 7 != 0) }
        let replies = (0..<1000).map(Bodies.reply)
        // MNS redelivers: the same bodies again (a second enqueue gives them new message ids).
        let duplicates = Array(reports.prefix(200))
        #expect(harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: reports + duplicates)?.count == 3200)
        #expect(harness.emulator.enqueue(queue: harness.emulator.smsUpQueue, bodies: replies + ["not base64 at all"])?.count == 1001)

        let daemon = harness.startDaemon()
        try await harness.waitUntilDrained()
        #expect(await DaemonHarness.stop(daemon) == 0)

        let counts = try await harness.counts()
        #expect(counts.receipts == 3000)
        #expect(counts.replies == 1000)
        #expect(counts.quarantine == 1)
        #expect(counts.sends == 3000, "each receipt names a send, known or not")
        let store = try SQLiteLedgerStore(readOnlyAt: harness.storePath)
        let failed = try await store.sends(LedgerQuery(state: .failed, limit: 10_000))
        #expect(failed.count == (0..<3000).filter { $0 % 7 == 0 }.count)
        await store.close()
        await harness.cleanUp()
    }

    @Test func aStormOf5xxAnswersAndResetsLosesNothing() async throws {
        let harness = try await DaemonHarness.make(pollers: 2)
        harness.emulator.faults = EmulatorFaults(serverErrorShare: 0.3, connectionResetShare: 0.1)
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<400).map { Bodies.report($0) })
        let daemon = harness.startDaemon()
        try await harness.waitUntilDrained()
        #expect(await DaemonHarness.stop(daemon) == 0)
        #expect(try await harness.counts().receipts == 400)
        await harness.cleanUp()
    }

    @Test func throttlingAndInstantEmptyAnswersSlowThePollersDownWithoutLoss() async throws {
        let harness = try await DaemonHarness.make(pollers: 2)
        harness.emulator.faults = EmulatorFaults(throttleShare: 0.3, messageNotExistShare: 0.2)
        harness.emulator.enqueue(queue: harness.emulator.smsUpQueue, bodies: (0..<300).map(Bodies.reply))
        let daemon = harness.startDaemon()
        try await harness.waitUntilDrained()
        #expect(await DaemonHarness.stop(daemon) == 0)
        #expect(try await harness.counts().replies == 300)
        await harness.cleanUp()
    }

    @Test func tokensThatExpireDuringARunAreRefreshedAndNothingIsLost() async throws {
        let harness = try await DaemonHarness.make(pollers: 1)
        let daemon = harness.startDaemon()
        for round in 0..<5 {
            harness.emulator.enqueue(queue: harness.emulator.smsReportQueue,
                                     bodies: (round * 100..<(round + 1) * 100).map { Bodies.report($0) })
            try await Task.sleep(for: .milliseconds(300))
            harness.emulator.expireAllTokens()
        }
        try await harness.waitUntilDrained()
        #expect(await DaemonHarness.stop(daemon) == 0)
        #expect(try await harness.counts().receipts == 500)
        #expect(harness.emulator.issuedTokens().count > 2, "expired tokens were replaced by fresh ones")
        await harness.cleanUp()
    }

    @Test func duplicateDeliveryAfterDeleteIsAbsorbedByTheIdempotentWrite() async throws {
        let harness = try await DaemonHarness.make(pollers: 2)
        harness.emulator.faults = EmulatorFaults(duplicateDeliveryShare: 0.5)
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<300).map { Bodies.report($0) })
        let daemon = harness.startDaemon()
        try await harness.waitUntilDrained()
        #expect(await DaemonHarness.stop(daemon) == 0)
        #expect(try await harness.counts().receipts == 300)
        await harness.cleanUp()
    }
}
