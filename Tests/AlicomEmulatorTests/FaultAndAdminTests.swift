import RawHTTPClient
import AlicomEmulator
import Foundation
import Testing

@Suite("Faults on demand and the admin interface")
struct FaultAndAdminTests {
    @Test func serverErrorShareAnswersInternalErrorInEachProtocol() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.faults = EmulatorFaults(serverErrorShare: 1)
            let mns = try await harness.receive(harness.reportQueue, harness.longTerm)
            let rpc = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsReport"])
            #expect((mns.status, rpc.status) == (500, 500))
            #expect(xmlValues("Code", in: mns.body) == ["InternalError"])
            #expect(jsonObject(rpc.body)["Code"] as? String == "InternalError")
        }
    }

    @Test func throttlingAnswersThrottlingUserOnRPCAndQpsLimitOnMNS() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.faults = EmulatorFaults(throttleShare: 1)
            let rpc = try await harness.rpc("QueryTokenForMnsQueue", ["MessageType": "SmsReport"])
            let mns = try await harness.receive(harness.reportQueue, harness.longTerm)
            #expect(rpc.status == 400)
            #expect(jsonObject(rpc.body)["Code"] as? String == "Throttling.User")
            #expect(mns.status == 429)
            #expect(xmlValues("Code", in: mns.body) == ["QpsLimitExceeded"])
        }
    }

    @Test func connectionResetClosesWithoutAnAnswer() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.faults = EmulatorFaults(connectionResetShare: 1)
            await #expect(throws: RawHTTPError.self) {
                _ = try await harness.receive(harness.reportQueue, harness.longTerm)
            }
        }
    }

    @Test func messageNotExistFaultAnswersAtOnceDespiteMessages() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["kept"])
            harness.emulator.faults = EmulatorFaults(messageNotExistShare: 1)
            let response = try await harness.receive(harness.reportQueue, wait: 30, harness.longTerm)
            #expect(response.status == 404)
            #expect(harness.emulator.depth(of: harness.reportQueue)?.visible == 1)
        }
    }

    @Test func duplicateDeliveryBringsADeletedMessageBackOnce() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["twice"])
            harness.emulator.faults = EmulatorFaults(duplicateDeliveryShare: 1)
            for _ in 0..<2 {
                let received = try await harness.receive(harness.reportQueue, harness.longTerm)
                let handle = try #require(xmlValues("ReceiptHandle", in: received.body).first)
                #expect(try await harness.delete(harness.reportQueue, handle: handle, harness.longTerm).status == 204)
            }
            #expect(try await harness.receive(harness.reportQueue, harness.longTerm).status == 404)
        }
    }

    @Test func adminSeedsQueuesAndReportsDepths() async throws {
        try await EmulatorHarness.with { harness in
            let queue = harness.reportQueue
            let seeded = try await RawHTTP.send(port: harness.port, method: "POST", target: "/_emulator/queues/\(queue)/messages",
                                                body: "{\"count\":100}")
            #expect(jsonObject(seeded.body)["enqueued"] as? Int == 100)
            _ = try await RawHTTP.send(port: harness.port, method: "POST", target: "/_emulator/queues/\(queue)/messages",
                                       body: "[\"raw-1\",\"raw-2\"]")
            let depths = try await RawHTTP.send(port: harness.port, method: "GET", target: "/_emulator/queues")
            let list = (try JSONSerialization.jsonObject(with: Data(depths.body.utf8))) as? [[String: Any]] ?? []
            #expect(list.first { $0["name"] as? String == queue }?["visible"] as? Int == 102)
        }
    }

    @Test func adminPutsFaultsAndResets() async throws {
        try await EmulatorHarness.with { harness in
            let put = try await RawHTTP.send(port: harness.port, method: "PUT", target: "/_emulator/faults",
                                             body: "{\"throttleShare\":1}")
            #expect(put.status == 200)
            #expect(harness.emulator.faults.throttleShare == 1)
            harness.emulator.enqueue(queue: harness.upQueue, bodies: ["x"])
            _ = try await RawHTTP.send(port: harness.port, method: "POST", target: "/_emulator/reset")
            #expect(harness.emulator.faults == .none)
            #expect(harness.emulator.depth(of: harness.upQueue)?.total == 0)
        }
    }

    @Test func adminCountsQuerySendDetailsCallsByPhoneAndSendDate() async throws {
        try await EmulatorHarness.with { harness in
            let bizId = harness.emulator.recordSend(phones: ["13800138000", "13800138001"])
            let date = try #require(harness.emulator.sends().first?.sendDate)
            for phone in ["13800138000", "13800138000", "13800138001"] {
                let answer = try await harness.rpcJSON("QuerySendDetails", [
                    "PhoneNumber": phone, "BizId": bizId, "SendDate": date, "PageSize": "10", "CurrentPage": "1"])
                #expect(answer["Code"] as? String == "OK")
            }
            let counts = harness.emulator.sendDetailsQueries()
            #expect(counts.map { "\($0.phoneNumber) \($0.sendDate) \($0.count)" }
                    == ["13800138000 \(date) 2", "13800138001 \(date) 1"])
            #expect(counts.allSatisfy { $0.firstAtMillis <= $0.lastAtMillis })
            let admin = try await RawHTTP.send(port: harness.port, method: "GET", target: "/_emulator/queries")
            let list = (try JSONSerialization.jsonObject(with: Data(admin.body.utf8))) as? [[String: Any]] ?? []
            #expect(list.map { $0["count"] as? Int } == [2, 1])
            #expect(list.first?["phoneNumber"] as? String == "13800138000")
            #expect(list.first?["sendDate"] as? String == date)
            _ = try await RawHTTP.send(port: harness.port, method: "POST", target: "/_emulator/reset")
            #expect(harness.emulator.sendDetailsQueries().isEmpty)
        }
    }

    @Test func adminInjectsARepliesIntoSmsUp() async throws {
        try await EmulatorHarness.with { harness in
            _ = try await RawHTTP.send(port: harness.port, method: "POST", target: "/_emulator/smsup",
                                       body: "{\"phone_number\":\"13800138000\",\"content\":\"退订\"}")
            let received = try await harness.receive(harness.upQueue, harness.longTerm)
            let body = try #require(xmlValues("MessageBody", in: received.body).first.flatMap { Data(base64Encoded: $0) })
            #expect(jsonObject(String(decoding: body, as: UTF8.self))["content"] as? String == "退订")
        }
    }
}
