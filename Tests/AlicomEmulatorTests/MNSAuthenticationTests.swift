import RawHTTPClient
import Foundation
import Testing

@Suite("MNS authentication: raw-target signatures, tokens, clock")
struct MNSAuthenticationTests {
    @Test func originFormSignedWithATokenIsAccepted() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["b1"])
            let response = try await harness.receive(harness.reportQueue, try await harness.token())
            #expect(response.status == 200)
            #expect(response.headers["x-mns-request-id"]?.isEmpty == false)
        }
    }

    @Test func absoluteFormTargetIsVerifiedOverPathAndQueryOnly() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.upQueue, bodies: ["b1"])
            let response = try await harness.mns("GET", "/queues/\(harness.upQueue)/messages?numOfMessages=10&waitseconds=0",
                                                 try await harness.token("SmsUp"), absoluteForm: true)
            #expect(response.status == 200)
            #expect(xmlValues("MessageBody", in: response.body) == ["b1"])
        }
    }

    @Test func longTermKeyNeedsNoToken() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.receive(harness.upQueue, harness.longTerm)
            #expect(response.status == 404)
            #expect(xmlValues("Code", in: response.body) == ["MessageNotExist"])
        }
    }

    @Test func wrongSecretIsSignatureDoesNotMatch() async throws {
        try await EmulatorHarness.with { harness in
            var credentials = try await harness.token()
            credentials.secret = "wrong"
            let response = try await harness.receive(harness.reportQueue, credentials)
            #expect(response.status == 403)
            #expect(xmlValues("Code", in: response.body) == ["SignatureDoesNotMatch"])
        }
    }

    @Test func plusInAReceiptHandleIsSignedAndMatchedRaw() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["b1"])
            let credentials = try await harness.token()
            let received = try await harness.receive(harness.reportQueue, credentials)
            let handle = try #require(xmlValues("ReceiptHandle", in: received.body).first)
            #expect(handle.contains("+"))
            let deleted = try await harness.delete(harness.reportQueue, handle: handle, credentials)
            #expect(deleted.status == 204)
            #expect(harness.emulator.depth(of: harness.reportQueue)?.total == 0)
        }
    }

    @Test func temporaryKeyWithoutItsTokenIsRefused() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.mns("GET", "/queues/\(harness.reportQueue)/messages?waitseconds=0",
                                                 try await harness.token(), sendToken: false)
            #expect(response.status == 403)
            #expect(xmlValues("Code", in: response.body) == ["InvalidAccessKeyId"])
        }
    }

    @Test func temporaryKeyWithAnotherTokenIsRefused() async throws {
        try await EmulatorHarness.with { harness in
            let other = try await harness.token()
            let response = try await harness.mns("GET", "/queues/\(harness.reportQueue)/messages?waitseconds=0",
                                                 try await harness.token(), tokenOverride: other.token)
            #expect(response.status == 403)
            #expect(xmlValues("Code", in: response.body) == ["InvalidAccessKeyId"])
        }
    }

    @Test func expiredTokenIsRefused() async throws {
        try await EmulatorHarness.with { harness in
            let credentials = try await harness.token()
            harness.emulator.expireAllTokens()
            let response = try await harness.receive(harness.reportQueue, credentials)
            #expect(response.status == 403)
            #expect(xmlValues("Code", in: response.body) == ["InvalidAccessKeyId"])
        }
    }

    @Test func tokenForOneQueueIsDeniedOnTheOther() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.receive(harness.upQueue, try await harness.token("SmsReport"))
            #expect(response.status == 403)
            #expect(xmlValues("Code", in: response.body) == ["AccessDeniedByRamPolicy"])
        }
    }

    @Test func unknownQueueIsQueueNotExist() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.receive("Alicom-Queue-1-SmsReport", harness.longTerm)
            #expect(response.status == 404)
            #expect(xmlValues("Code", in: response.body) == ["QueueNotExist"])
        }
    }

    @Test func dateOutsideFifteenMinutesIsTimeExpired() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.mns("GET", "/queues/\(harness.upQueue)/messages?waitseconds=0",
                                                 harness.longTerm, date: Date().addingTimeInterval(20 * 60))
            #expect(response.status == 408)
            #expect(xmlValues("Code", in: response.body) == ["TimeExpired"])
        }
    }

    @Test func missingVersionHeaderIsRefused() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await RawHTTP.send(port: harness.port, method: "GET",
                                                  target: "/queues/\(harness.upQueue)/messages",
                                                  headers: [("Authorization", "MNS \(EmulatorHarness.keyId):x"),
                                                            ("Date", "Tue, 05 Mar 2024 06:07:08 GMT")])
            #expect(response.status == 400)
            #expect(xmlValues("Code", in: response.body) == ["MissingVersionHeader"])
        }
    }

    @Test("a Date header whose year overflows the arithmetic is refused, and the emulator keeps serving")
    func overflowingDateIsRefused() async throws {
        try await EmulatorHarness.with { harness in
            for date in ["Tue, 05 Mar 9223372036854775807 06:07:08 GMT", "Tue, 05 Mar 2024 -6:07:08 GMT"] {
                let response = try await RawHTTP.send(port: harness.port, method: "GET",
                                                      target: "/queues/\(harness.upQueue)/messages",
                                                      headers: [("Authorization", "MNS \(EmulatorHarness.keyId):x"),
                                                                ("x-mns-version", "2015-06-06"), ("Date", date)])
                #expect((400..<500).contains(response.status), "\(date): \(response.status)")
            }
            let response = try await harness.mns("GET", "/queues/\(harness.upQueue)/messages?waitseconds=0",
                                                 harness.longTerm)
            #expect(response.status == 404)
            #expect(xmlValues("Code", in: response.body) == ["MessageNotExist"])
        }
    }
}
