import Foundation
import Testing

@Suite("RPC gateway: signature v1, clock, nonces, errors")
struct RPCGatewayTests {
    @Test func signedPostWithQueryParametersIsAccepted() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsReport"])
            #expect(response.status == 200)
            #expect(jsonObject(response.body)["Code"] as? String == "OK")
        }
    }

    @Test func signedGetAndFormBodyAreAccepted() async throws {
        try await EmulatorHarness.with { harness in
            let get = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsUp"], method: "GET")
            let form = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsUp"], inFormBody: true)
            #expect((get.status, form.status) == (200, 200))
        }
    }

    @Test func wrongSecretAnswersSignatureDoesNotMatchWithTheServerStringToSign() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsReport"], secret: "wrong")
            let body = jsonObject(response.body)
            #expect(response.status == 400)
            #expect(body["Code"] as? String == "SignatureDoesNotMatch")
            let serverStringToSign = (body["Message"] as? String)?.split(separator: ":").last.map(String.init)
            #expect(serverStringToSign?.hasPrefix("POST&%2F&AccessKeyId%3DLTAI5tTestKeyId%26Action%3DQueryTokenForMnsQueue") == true)
            for key in ["RequestId", "HostId", "Code", "Message", "Recommend"] { #expect(body[key] != nil) }
        }
    }

    @Test func timestampOutsideFifteenMinutesIsExpired() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsReport"],
                                                 timestamp: Date().addingTimeInterval(-16 * 60))
            #expect(response.status == 400)
            #expect(jsonObject(response.body)["Code"] as? String == "InvalidTimeStamp.Expired")
        }
    }

    @Test func reusedNonceIsRejected() async throws {
        try await EmulatorHarness.with { harness in
            let first = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsReport"], nonce: "n-1")
            let replay = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsReport"], nonce: "n-1")
            #expect(first.status == 200)
            #expect(replay.status == 400)
            #expect(jsonObject(replay.body)["Code"] as? String == "SignatureNonceUsed")
        }
    }

    @Test func unknownAccessKeyIsNotFound() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsReport"],
                                                 accessKeyId: "LTAINobody")
            #expect(response.status == 404)
            #expect(jsonObject(response.body)["Code"] as? String == "InvalidAccessKeyId.NotFound")
        }
    }

    @Test func tokenTimesAreBeijingWallClockAndLifetimeIsConfigurable() async throws {
        try await EmulatorHarness.with({ $0.tokenLifetime = 90 }) { harness in
            let dto = try await harness.rpcJSON("QueryTokenForMnsQueue", ["MessageType": "SmsReport"])["MessageTokenDTO"]
                as? [String: String] ?? [:]
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
            let created = try #require(formatter.date(from: dto["CreateTime"] ?? ""))
            let expires = try #require(formatter.date(from: dto["ExpireTime"] ?? ""))
            #expect(abs(created.timeIntervalSinceNow) < 5)
            #expect(expires.timeIntervalSince(created) == 90)
            #expect(dto["AccessKeyId"]?.hasPrefix("STS.") == true)
        }
    }

    @Test func formatXMLAnswersInXML() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsReport"], format: "XML")
            #expect(response.body.hasPrefix("<?xml"))
            #expect(xmlValues("Code", in: response.body) == ["OK"])
        }
    }

    @Test func unknownActionIsNotFound() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.rpc("DescribeRegions")
            #expect(response.status == 404)
            #expect(jsonObject(response.body)["Code"] as? String == "InvalidAction.NotFound")
        }
    }
}
