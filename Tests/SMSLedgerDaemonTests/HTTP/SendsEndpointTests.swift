import RawHTTPClient
import Foundation
import LedgerStore
import SMSLedgerConfig
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// `POST /v1/sends`, `/healthz` and the routing answers, over real loopback HTTP.
@Suite("POST /v1/sends over HTTP")
struct SendsEndpointTests {
    static let one = #"{"biz_id":"900619746936498440^0","phone_number":"13800138000","out_id":"order-1","sent_at":"2026-11-23 16:00:00"}"#

    @Test func singleSendIsRecordedAndAnswered201AfterTheCommit() async throws {
        try await ListenerHarness.run { harness in
            let response = try await harness.postSends(Self.one)

            #expect(response.status == 201)
            #expect(response.json["new"] as? Int == 1)
            let send = try #require(try await harness.send(.alibaba, bizId: "900619746936498440^0"))
            #expect(send.tracked)
            #expect(send.key.phoneNumber == "13800138000")
            #expect(send.outId == "order-1")
            #expect(send.sentAt == Date(timeIntervalSince1970: 1_795_420_800), "Beijing 16:00 is 08:00 UTC")
            #expect(send.nextCheckAt == send.sentAt?.addingTimeInterval(900))
        }
    }

    @Test func recordingTheSameSendAgainAnswers200AsDuplicate() async throws {
        try await ListenerHarness.run { harness in
            _ = try await harness.postSends(Self.one)
            let again = try await harness.postSends(Self.one)

            #expect(again.status == 200)
            #expect(again.json["duplicate"] as? Int == 1)
            #expect(try await harness.counts().sends == 1)
        }
    }

    @Test func batchInASendsObjectIsRecordedTogether() async throws {
        try await ListenerHarness.run { harness in
            let body = """
                {"sends":[{"biz_id":"b1","phone_number":"13800000001"},
                          {"biz_id":"b2","phone_number":"+8613800000002","sent_at":"2026-11-23T08:00:00Z"},
                          {"provider":"telesign","biz_id":"ts-1"}]}
                """
            let response = try await harness.postSends(body)

            #expect(response.status == 201)
            #expect(response.json["new"] as? Int == 3)
            #expect(try await harness.counts().sends == 3)
        }
    }

    @Test func topLevelArrayIsABatch() async throws {
        try await ListenerHarness.run { harness in
            let response = try await harness.postSends(#"[{"biz_id":"b1","phone_number":"13800000001"},{"biz_id":"b2","phone_number":"13800000002"}]"#)

            #expect(response.status == 201)
            #expect(try await harness.counts().sends == 2)
        }
    }

    @Test func badItemNamesItsFieldAndNothingIsWritten() async throws {
        try await ListenerHarness.run { harness in
            let body = """
                [{"biz_id":"b0","phone_number":"13800000000"},{"biz_id":"b1","phone_number":"13800000001"},
                 {"biz_id":"b2","phone_number":"13800000002"},{"biz_id":"b3"}]
                """
            let response = try await harness.postSends(body)

            #expect(response.status == 400)
            #expect(response.json["field"] as? String == "sends[3].phone_number")
            #expect(try await harness.counts().sends == 0)
        }
    }

    @Test func badTimeNamesTheField() async throws {
        try await ListenerHarness.run { harness in
            let response = try await harness.postSends(#"{"biz_id":"b","phone_number":"13800000000","sent_at":"yesterday"}"#)

            #expect(response.status == 400)
            #expect(response.json["field"] as? String == "sent_at")
        }
    }

    @Test func bodyThatIsNotJSONIsRefused() async throws {
        try await ListenerHarness.run { harness in
            let response = try await harness.postSends("biz_id=1")

            #expect(response.status == 400)
            #expect(response.json["error"] as? String == "body is not valid JSON")
        }
    }

    @Test func bodyOverTheConfiguredLimitIs413AndNothingStored() async throws {
        try await ListenerHarness.run(maxBodyBytes: 1_024) { harness in
            let items = (0..<40).map { #"{"biz_id":"b\#($0)","phone_number":"13800000000"}"# }
            let response = try await harness.postSends("[" + items.joined(separator: ",") + "]")

            #expect(response.status == 413)
            #expect(try await harness.counts().sends == 0)
        }
    }

    @Test func nonLoopbackListenerRequiresTheBearerToken() async throws {
        try await ListenerHarness.run(listen: ListenAddress(host: "0.0.0.0", port: 8787),
                                      bearerToken: ListenerHarness.bearerToken) { harness in
            let without = try await harness.postSends(Self.one)
            let wrong = try await harness.postSends(Self.one, authorization: "Bearer not-the-token")
            #expect(without.status == 401)
            #expect(wrong.status == 401)
            #expect(try await harness.counts().sends == 0)

            let right = try await harness.postSends(Self.one, authorization: "bearer \(ListenerHarness.bearerToken)")
            #expect(right.status == 201)
        }
    }

    @Test func callbackBeforeTheSendIsKeptAndLinkedWhenTheSendIsRecorded() async throws {
        try await ListenerHarness.run { harness in
            _ = try await harness.callback(CallbackBodies.status(reference: "ts-orphan", code: 200, external: "ext-9"))
            let orphan = try #require(try await harness.send(bizId: "ts-orphan"))
            #expect(!orphan.tracked)

            let response = try await harness.postSends(
                #"{"provider":"telesign","biz_id":"ts-orphan","phone_number":"+447700900123","sent_at":"2026-11-23T07:59:00Z","template_code":"OTP"}"#)

            #expect(response.status == 201)
            let sends = try await harness.store.sends(LedgerQuery(bizId: "ts-orphan"))
            #expect(sends.count == 1, "the orphan row is adopted, not duplicated")
            #expect(sends.first?.tracked == true)
            #expect(sends.first?.status.state == .delivered)
            #expect(sends.first?.key.phoneNumber == "+447700900123")
            #expect(sends.first?.templateCode == "OTP")
        }
    }

    @Test func storeThatCannotCommitAnswers503WithRetryAfter() async throws {
        try await ListenerHarness.run { harness in
            await harness.store.close()

            let response = try await harness.postSends(Self.one)

            #expect(response.status == 503)
            #expect(response.headers["retry-after"] == "5")
        }
    }

    @Test func healthzAnswersOk() async throws {
        try await ListenerHarness.run { harness in
            let response = try await RawHTTP.send(port: harness.port, method: "GET", target: "/healthz")

            #expect(response.status == 200)
            #expect(response.body == "ok\n")
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await ListenerHarness.run { harness in
            let response = try await RawHTTP.send(port: harness.port, method: "GET", target: "/v1/sends")

            #expect(response.status == 405)
            #expect(response.headers["allow"] == "POST")
        }
    }

    @Test func unknownPathIs404() async throws {
        try await ListenerHarness.run { harness in
            let response = try await RawHTTP.send(port: harness.port, method: "POST", target: "/v2/sends", body: "{}")

            #expect(response.status == 404)
            #expect(harness.listener.health.snapshot.rejected == 1)
        }
    }
}
