import AlicomEmulator
import Foundation
import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// Issue 14, part 2: one unreadable message must not hold the messages received with it hostage.
///
/// A real poller against the emulator, whose faults damage single messages in its receive answers.
/// Where a test proves "stored on the first delivery", the visibility timeout is 60 s and the test
/// ends long before: a message that had to be delivered twice could not have left the queue yet.
@Suite("Unreadable messages stay local to themselves", .serialized)
struct UnreadableMessageTests {
    static func rig(visibilityTimeout: TimeInterval, log: LogRecorder) async throws -> (PollingRig, SQLiteLedgerStore) {
        try await PollingRig.make(visibilityTimeout: visibilityTimeout, logger: log.logger()) { harness in
            try SQLiteLedgerStore(at: harness.storePath, options: SQLiteLedgerOptions(synchronous: .normal))
        }
    }

    @Test func aBodyWithAForbiddenCharacterIsQuarantinedAndItsNeighboursAreStoredOnTheirFirstDelivery() async throws {
        let count = 40
        let (rig, store) = try await Self.rig(visibilityTimeout: 60, log: LogRecorder())
        rig.harness.emulator.faults = EmulatorFaults(corruptBodyShare: 0.25)
        let bodies = (0..<count).map { Bodies.report($0) }
        rig.harness.emulator.enqueue(queue: rig.queue, bodies: bodies)
        rig.runtime.start()

        #expect(await eventually(within: .seconds(20)) { rig.undeleted == 0 }, "every message deleted at its first delivery")
        let damaged = rig.harness.emulator.permanentlyDamagedMessageIds.count
        try #require(damaged > 0 && damaged < count, "the seed damages some messages, not all")
        let counts = try await store.counts()
        #expect(counts.receipts == count - damaged, "every intact neighbour is stored")
        #expect(counts.quarantine == damaged, "every damaged message is quarantined")

        let rows = try await store.quarantine(LedgerQuery(limit: 100))
        for row in rows {
            #expect(row.entry.reason.hasPrefix("MNS message body is not valid XML text: character U+0001 at byte "),
                    "\(row.entry.reason)")
            #expect(row.entry.context?.hasPrefix("mns message ") == true)
            // The raw body is kept: without the forbidden character it is one of the bodies sent.
            let repaired = String(decoding: row.entry.rawBody.filter { $0 != 0x01 }, as: UTF8.self)
            #expect(bodies.contains(repaired))
        }
        await rig.tearDown(store)
    }

    @Test func aBodyFailingItsMD5IsLeftForRedeliveryWhileItsNeighboursAreStoredOnTheirFirstDelivery() async throws {
        let count = 30
        let log = LogRecorder()
        let (rig, store) = try await Self.rig(visibilityTimeout: 60, log: log)
        rig.harness.emulator.faults = EmulatorFaults(badMD5Share: 0.3)
        rig.harness.emulator.enqueue(queue: rig.queue, bodies: (0..<count).map { Bodies.report($0) })
        rig.runtime.start()

        func mismatchWarnings() -> Int {
            log.messages(atLeast: .warning).filter {
                $0.contains("MessageBodyMD5 mismatch") && $0.contains("left in the queue for redelivery")
            }.count
        }
        // Settled when every message was received, each left-over one was warned about and all the
        // others are stored: a batch between receive and commit breaks one of the equalities.
        let settled = await eventually(within: .seconds(20)) {
            guard let depth = rig.harness.emulator.depth(of: rig.queue), depth.visible == 0,
                  let receipts = try? await store.counts().receipts else { return false }
            return receipts == count - depth.inFlight && mismatchWarnings() == depth.inFlight
        }
        #expect(settled, "every message was received once; all but the damaged ones are stored")
        let left = try #require(rig.harness.emulator.depth(of: rig.queue)).inFlight
        #expect(left > 0 && left < count, "the seed damages some deliveries, not all")
        #expect(try await store.counts().quarantine == 0, "a first MD5 mismatch is not quarantined")
        await rig.tearDown(store)
    }

    @Test func anAnswerBrokenBeyondRecoveryIsNarrowedDownUntilEveryReadableMessageIsStored() async throws {
        let count = 16
        let log = LogRecorder()
        let (rig, store) = try await Self.rig(visibilityTimeout: 2, log: log)
        rig.harness.emulator.faults = EmulatorFaults(unparsableAnswerShare: 0.25)
        rig.harness.emulator.enqueue(queue: rig.queue, bodies: (0..<count).map { Bodies.report($0) })
        rig.runtime.start()

        let stored = await eventually(within: .seconds(60)) {
            let broken = rig.harness.emulator.permanentlyDamagedMessageIds.count
            guard broken > 0, let receipts = try? await store.counts().receipts else { return false }
            return receipts == count - broken && rig.undeleted == broken
        }
        let broken = rig.harness.emulator.permanentlyDamagedMessageIds.count
        #expect(stored, "all \(count - broken) readable messages stored; the \(broken) broken ones stay in the queue")
        #expect(log.messages(atLeast: .warning).contains { $0.contains("receiving 8 at a time") },
                "the first unreadable answer halved the batch")
        // Only broken messages are left: no answer can be read, so nothing restores the batch size.
        #expect(await eventually { rig.poller.nextBatchSize < 16 }, "the batch stays smaller while only broken messages come")
        #expect(try await store.counts().quarantine == 0, "nothing without a handle can be quarantined")
        await rig.tearDown(store)
    }
}
