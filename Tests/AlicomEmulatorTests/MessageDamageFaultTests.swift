import AlicomEmulator
import Foundation
import Testing

/// The faults that damage single messages in receive answers (issue 14, part 2), as a client sees them.
@Suite("Faults that damage single messages in receive answers")
struct MessageDamageFaultTests {
    @Test func corruptBodyShareWritesAForbiddenCharacterIntoTheBodyOnEveryDelivery() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["QUJDREVGR0g="])
            harness.emulator.faults = EmulatorFaults(corruptBodyShare: 1)
            let answer = try await harness.receive(harness.reportQueue, harness.longTerm)
            #expect(answer.status == 200)
            #expect(xmlValues("MessageBody", in: answer.body) == ["QUJDRE\u{01}VGR0g="])
            #expect(xmlValues("ReceiptHandle", in: answer.body).count == 1, "the handle is intact")
            #expect(harness.emulator.permanentlyDamagedMessageIds.count == 1)
        }
    }

    @Test func badMD5ShareWritesADigestThatDoesNotMatchTheBody() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["QUJDREVGR0g=", "QUJDREVGR0g="])
            let intact = try await harness.receive(harness.reportQueue, count: 1, harness.longTerm)
            harness.emulator.faults = EmulatorFaults(badMD5Share: 1)
            let damaged = try await harness.receive(harness.reportQueue, count: 1, harness.longTerm)
            let digests = [intact, damaged].map { xmlValues("MessageBodyMD5", in: $0.body).first ?? "" }
            #expect(xmlValues("MessageBody", in: damaged.body) == ["QUJDREVGR0g="], "the body itself is intact")
            #expect(digests[1].count == 32 && digests[0].count == 32 && digests[0] != digests[1])
            #expect(harness.emulator.permanentlyDamagedMessageIds.isEmpty, "transit damage belongs to one delivery")
        }
    }

    @Test func unparsableAnswerShareLeavesAMessageWithoutItsEndTag() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["QUJD"])
            harness.emulator.faults = EmulatorFaults(unparsableAnswerShare: 1)
            let answer = try await harness.receive(harness.reportQueue, harness.longTerm)
            #expect(answer.status == 200)
            #expect(answer.body.contains("<Message>") && !answer.body.contains("</Message>"))
            #expect(answer.body.hasSuffix("</Messages>"))
        }
    }

    @Test func missingJSONKeysStillMeanZero() throws {
        let faults = try JSONDecoder().decode(EmulatorFaults.self, from: Data("{\"badMD5Share\":0.5}".utf8))
        #expect(faults == EmulatorFaults(badMD5Share: 0.5))
        let none = try JSONDecoder().decode(EmulatorFaults.self, from: Data("{}".utf8))
        #expect(none == .none)
    }
}
