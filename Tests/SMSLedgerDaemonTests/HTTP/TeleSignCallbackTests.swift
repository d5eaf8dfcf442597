import Foundation
import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// TeleSign-style callbacks over real loopback HTTP into a real SQLite ledger.
@Suite("TeleSign callbacks over HTTP")
struct TeleSignCallbackTests {
    @Test("every code in the table is stored with its state, finality and retryability",
          arguments: TeleSignStatusCode.table.keys.sorted())
    func everyCodeIsStoredWithItsStatus(code: Int) async throws {
        try await ListenerHarness.run { harness in
            let expected = try #require(TeleSignStatusCode.table[code]).status

            let response = try await harness.callback(CallbackBodies.status(reference: "ref-\(code)", code: code))

            #expect(response.status == 200)
            let receipts = try await harness.receipts(bizId: "ref-\(code)")
            #expect(receipts.count == 1)
            #expect(receipts.first?.receipt.status == expected)
            #expect(receipts.first?.receipt.providerCode == String(code))
            #expect(receipts.first?.receipt.source == .httpCallback)
            let send = try await harness.send(bizId: "ref-\(code)")
            #expect(send?.status.state == expected.state)
            #expect(send?.status.isFinal == expected.isFinal)
        }
    }

    @Test func signatureInXTSAuthorizationIsAccepted() async throws {
        try await ListenerHarness.run { harness in
            let body = CallbackBodies.status(reference: "ref-x", code: 200)

            let response = try await harness.callback(body, header: "X-TS-Authorization",
                                                      signature: harness.signer.signature(for: Data(body.utf8)))

            #expect(response.status == 200)
            #expect(try await harness.counts().receipts == 1)
        }
    }

    @Test func bareSignatureInAuthorizationIsAccepted() async throws {
        try await ListenerHarness.run { harness in
            let body = CallbackBodies.status(reference: "ref-bare", code: 203)

            let response = try await harness.callback(body, signature: harness.signer.signature(for: Data(body.utf8)))

            #expect(response.status == 200)
            #expect(try await harness.counts().receipts == 1)
        }
    }

    @Test func missingSignatureIsRefusedAndNothingStored() async throws {
        try await ListenerHarness.run { harness in

            let response = try await harness.callback(CallbackBodies.status(reference: "ref-1", code: 200), signature: "")

            #expect(response.status == 401)
            #expect(response.json["error"] as? String != nil)
            #expect(try await harness.counts() == LedgerCounts())
        }
    }

    @Test func signatureOfAnotherBodyIsRefusedAndNothingStored() async throws {
        try await ListenerHarness.run { harness in
            let signed = CallbackBodies.status(reference: "ref-1", code: 203)
            let sent = CallbackBodies.status(reference: "ref-1", code: 200)

            let response = try await harness.callback(sent, header: "X-TS-Authorization",
                                                      signature: "TSA c:" + harness.signer.signature(for: Data(signed.utf8)))

            #expect(response.status == 401)
            #expect(try await harness.counts() == LedgerCounts())
        }
    }

    @Test func signatureWithAnotherKeyIsRefused() async throws {
        try await ListenerHarness.run { harness in
            let body = CallbackBodies.status(reference: "ref-1", code: 200)
            let otherKey = try #require(TeleSignSignature(base64Key: Data(repeating: 7, count: 64).base64EncodedString()))

            let response = try await harness.callback(body, signature: otherKey.signature(for: Data(body.utf8)))

            #expect(response.status == 401)
            #expect(try await harness.counts().receipts == 0)
        }
    }

    @Test func sameCallbackTwiceLeavesOneReceipt() async throws {
        try await ListenerHarness.run { harness in
            let body = CallbackBodies.status(reference: "ref-replay", code: 200)

            let first = try await harness.callback(body)
            let second = try await harness.callback(body)

            #expect(first.status == 200 && second.status == 200)
            #expect(first.json["status"] as? String == "stored")
            #expect(second.json["status"] as? String == "duplicate")
            #expect(try await harness.receipts(bizId: "ref-replay").count == 1)
        }
    }

    @Test func lateIntermediateAfterFinalLeavesTheSendDelivered() async throws {
        try await ListenerHarness.run { harness in

            _ = try await harness.callback(CallbackBodies.status(reference: "ref-ooo", code: 200,
                                                                 updatedOn: "2026-11-23T08:00:10Z"))
            let late = try await harness.callback(CallbackBodies.status(reference: "ref-ooo", code: 203,
                                                                        updatedOn: "2026-11-23T08:00:20Z"))

            #expect(late.status == 200)
            let send = try await harness.send(bizId: "ref-ooo")
            #expect(send?.status.state == .delivered)
            #expect(send?.status.isFinal == true)
            #expect(try await harness.receipts(bizId: "ref-ooo").count == 2, "both reports stay in the history")
        }
    }

    @Test func finalAfterIntermediateSettlesTheSend() async throws {
        try await ListenerHarness.run { harness in

            _ = try await harness.callback(CallbackBodies.status(reference: "ref-seq", code: 292, updatedOn: "2026-11-23T08:00:01Z"))
            _ = try await harness.callback(CallbackBodies.status(reference: "ref-seq", code: 210, updatedOn: "2026-11-23T08:00:09Z"))

            let send = try await harness.send(bizId: "ref-seq")
            #expect(send?.status == DeliveryStatus(state: .failed, isFinal: true, retryable: true))
        }
    }

    @Test func oversizeBodyIsRefusedWith413AndNothingStored() async throws {
        try await ListenerHarness.run { harness in
            let padding = String(repeating: "x", count: 70_000)
            let body = CallbackBodies.status(reference: "ref-big", code: 200, description: padding)

            let response = try await harness.callback(body)

            #expect(response.status == 413)
            #expect(try await harness.counts() == LedgerCounts())
        }
    }

    @Test func oversizeBodyIsRefusedEvenWhenSendsAllowLargerBodies() async throws {
        try await ListenerHarness.run(maxBodyBytes: 1 << 20) { harness in
            let body = CallbackBodies.status(reference: "ref-big", code: 200, description: String(repeating: "y", count: 70_000))

            let response = try await harness.callback(body)

            #expect(response.status == 413)
            #expect(try await harness.counts() == LedgerCounts())
        }
    }

    @Test func signedMalformedBodyIsQuarantinedAndAnswered202() async throws {
        try await ListenerHarness.run { harness in

            let response = try await harness.callback(#"{"reference_id":"ref-q","status":{"description":"no code"}}"#)

            #expect(response.status == 202)
            #expect(response.json["status"] as? String == "quarantined")
            let counts = try await harness.counts()
            #expect(counts.quarantine == 1)
            #expect(counts.receipts == 0)
            let stored = try await harness.store.quarantine(.all())
            #expect(stored.first?.entry.source == .httpCallback)
            #expect(stored.first?.entry.reason.contains("code") == true)
        }
    }

    @Test func signedBodyThatIsNotJSONIsQuarantined() async throws {
        try await ListenerHarness.run { harness in

            let response = try await harness.callback("reference_id=ref-1&code=200")

            #expect(response.status == 202)
            #expect(try await harness.counts().quarantine == 1)
        }
    }

    @Test func unknownCodeIsStoredAsUnknownAndNotFinal() async throws {
        try await ListenerHarness.run { harness in

            let response = try await harness.callback(CallbackBodies.status(reference: "ref-new", code: 777))

            #expect(response.status == 200)
            let receipt = try #require(try await harness.receipts(bizId: "ref-new").first)
            #expect(receipt.receipt.status == DeliveryStatus(state: .unknown, isFinal: false))
            #expect(receipt.receipt.providerCode == "777")
        }
    }

    @Test func withoutAKeyTheCallbackRouteAnswers503AndStoresNothing() async throws {
        try await ListenerHarness.run(teleSignKey: nil) { harness in

            let response = try await harness.callback(CallbackBodies.status(reference: "ref-1", code: 200))

            #expect(response.status == 503)
            #expect(response.headers["retry-after"] != nil)
            #expect(try await harness.counts() == LedgerCounts())
        }
    }

    @Test func concurrentCallbacksAreEachStoredExactlyOnce() async throws {
        try await ListenerHarness.run { harness in
            let distinct = (0..<150).map { CallbackBodies.status(reference: "ref-c\($0)", code: $0 % 2 == 0 ? 200 : 203) }
            let bodies = distinct + distinct.prefix(50)

            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for body in bodies { group.addTask { try await harness.callback(body).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }

            #expect(statuses.count == 200)
            #expect(statuses.allSatisfy { $0 == 200 })
            let counts = try await harness.counts()
            #expect(counts.receipts == 150)
            #expect(counts.sends == 150)
            #expect(harness.listener.health.snapshot.stored == 150)
            #expect(harness.listener.health.snapshot.duplicates == 50)
        }
    }
}
