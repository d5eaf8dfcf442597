import AlibabaCloud
import AlicomEmulator
import Foundation
import Testing

/// Our clients (RPC, Dybaseapi, Dysms, the token provider, MNS) over the real transport against the
/// in-process emulator: the flows the daemon runs, end to end over loopback.
@Suite("Our clients against the Alicom emulator: flows", .timeLimit(.minutes(1)))
struct ClientFlowsAgainstEmulatorTests {
    @Test("QueryTokenForMnsQueue gives the issued token, its ExpireTime read as Beijing time")
    func tokenExpireTimeIsBeijingTime() async throws {
        try await EmulatorRig.with({ $0.tokenLifetime = 900 }) { rig in
            let token = try await rig.fetchToken(.smsReport)
            let issued = try #require(rig.emulator.issuedTokens().last)
            #expect(token.accessKeyId == issued.accessKeyId)
            #expect(token.accessKeySecret == issued.accessKeySecret)
            #expect(token.securityToken == issued.securityToken)
            #expect(token.messageType == .smsReport)
            // ExpireTime has whole seconds; read as UTC or local time it would be hours off.
            let expected = issued.expiresAt.timeIntervalSince1970.rounded(.down)
            #expect(token.expiresAt.timeIntervalSince1970 == expected)
            let created = try #require(token.createdAt)
            #expect(created.timeIntervalSince1970 == issued.createdAt.timeIntervalSince1970.rounded(.down))
        }
    }

    @Test("BatchReceiveMessage hands out at most 16 messages, bodies verified against MessageBodyMD5")
    func batchReceiveTakesAtMostSixteen() async throws {
        try await EmulatorRig.with { rig in
            let enqueued = try rig.enqueueReceipts(20)
            let mns = rig.mns()
            let first = try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 1).messages
            let second = try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 1).messages
            #expect(first.count == 16)
            #expect(second.count == 4)
            let all = first + second
            #expect(Set(all.map(\.messageId)) == Set(enqueued.keys))
            #expect(all.allSatisfy { $0.integrity == .verified })
            #expect(all.allSatisfy { enqueued[$0.messageId] == $0.body })
            #expect(all.allSatisfy { $0.dequeueCount == 1 })
        }
    }

    @Test("a long poll on an empty queue answers empty once the wait is over")
    func emptyQueueAnswersEmptyAfterTheWait() async throws {
        try await EmulatorRig.with { rig in
            let mns = rig.mns()
            let started = ContinuousClock.now
            let messages = try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 1).messages
            let waited = ContinuousClock.now - started
            #expect(messages.isEmpty)
            // The emulator, like MNS, holds the poll for the whole wait before saying "empty".
            #expect(waited >= .milliseconds(900))
        }
    }

    @Test("a message enqueued during a long poll is handed out before the wait is over")
    func messageArrivingDuringTheWaitIsReturnedEarly() async throws {
        try await EmulatorRig.with { rig in
            let mns = rig.mns()
            // Fetch the token and open a connection first, so the long poll below is parked at once.
            #expect(try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 0).messages.isEmpty)
            let started = ContinuousClock.now
            async let messages = mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 20).messages
            try await Task.sleep(for: .milliseconds(300))
            let enqueued = try rig.enqueueReceipts(1)
            let received = try await messages
            let waited = ContinuousClock.now - started
            #expect(received.map(\.messageId) == Array(enqueued.keys))
            // Served by the enqueue, not by the end of the 20 s wait.
            #expect(waited < .seconds(15))
        }
    }

    @Test("BatchDeleteMessage of every handle deletes them all")
    func batchDeleteOfEveryHandle() async throws {
        try await EmulatorRig.with { rig in
            _ = try rig.enqueueReceipts(5)
            let mns = rig.mns()
            let received = try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 1).messages
            let handles = received.map(\.receiptHandle)
            let result = try await mns.batchDelete(queue: rig.reportQueue, handles: handles)
            #expect(received.count == 5)
            #expect(result.allDeleted)
            #expect(Set(result.deleted) == Set(handles))
            #expect(rig.emulator.depth(of: rig.reportQueue)?.total == 0)
        }
    }

    @Test("a handle replaced by ChangeMessageVisibility fails alone; the rest of the batch is deleted")
    func staleHandleAfterVisibilityChangeFailsAlone() async throws {
        try await EmulatorRig.with { rig in
            _ = try rig.enqueueReceipts(3)
            let mns = rig.mns()
            let received = try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 1).messages
            try #require(received.count == 3)
            let stale = received[0].receiptHandle
            _ = try await mns.changeVisibility(queue: rig.reportQueue, handle: stale, seconds: 60)
            let result = try await mns.batchDelete(queue: rig.reportQueue, handles: received.map(\.receiptHandle))
            #expect(Set(result.deleted) == Set(received.dropFirst().map(\.receiptHandle)))
            let failure = try #require(result.failed.first)
            #expect(result.failed.count == 1)
            #expect(failure.handle == stale)
            #expect(failure.error.kind == .business)
            #expect(failure.error.code == "ReceiptHandleError")
            // Only the message whose handle changed is left, still hidden.
            #expect(rig.emulator.depth(of: rig.reportQueue)?.inFlight == 1)
            #expect(rig.emulator.depth(of: rig.reportQueue)?.total == 1)
        }
    }

    @Test("a handle whose visibility timeout ran out fails alone; the rest of the batch is deleted")
    func staleHandleAfterVisibilityTimeoutFailsAlone() async throws {
        try await EmulatorRig.with({ $0.visibilityTimeout = 1 }) { rig in
            _ = try rig.enqueueReceipts(1)
            let mns = rig.mns()
            let early = try #require(try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 1).messages.first)
            try await Task.sleep(for: .milliseconds(1_300))
            _ = try rig.enqueueReceipts(1)
            // The first message is visible again and comes back with a new handle, beside the new one.
            let later = try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 1).messages
            try #require(later.count == 2)
            #expect(later.contains { $0.messageId == early.messageId && $0.dequeueCount == 2 })
            let result = try await mns.batchDelete(queue: rig.reportQueue,
                                                   handles: [early.receiptHandle] + later.map(\.receiptHandle))
            #expect(result.failed.map(\.handle) == [early.receiptHandle])
            #expect(result.failed.first?.error.kind == .business)
            #expect(Set(result.deleted) == Set(later.map(\.receiptHandle)))
            #expect(rig.emulator.depth(of: rig.reportQueue)?.total == 0)
        }
    }

    @Test("ChangeMessageVisibility returns a new handle that deletes; the old one no longer does")
    func changeVisibilityIssuesANewHandle() async throws {
        try await EmulatorRig.with { rig in
            _ = try rig.enqueueReceipts(1)
            let mns = rig.mns()
            let message = try #require(try await mns.batchReceive(queue: rig.reportQueue, max: 1, waitSeconds: 1).messages.first)
            let fresh = try await mns.changeVisibility(queue: rig.reportQueue, handle: message.receiptHandle, seconds: 60)
            #expect(fresh != message.receiptHandle)
            let old = try await mns.batchDelete(queue: rig.reportQueue, handles: [message.receiptHandle])
            #expect(old.deleted.isEmpty)
            #expect(old.failed.map(\.error.code) == ["ReceiptHandleError"])
            let new = try await mns.batchDelete(queue: rig.reportQueue, handles: [fresh])
            #expect(new.deleted == [fresh])
            #expect(rig.emulator.depth(of: rig.reportQueue)?.total == 0)
        }
    }

    @Test("SendSms, then QuerySendDetails after the receipt delay, reports the emulator's ground truth",
          arguments: [(failureShare: 0.0, sendStatus: 3), (failureShare: 1.0, sendStatus: 2)])
    func querySendDetailsReportsTheOutcome(failureShare: Double, sendStatus: Int) async throws {
        try await EmulatorRig.with({ $0.sms = .init(receiptDelay: 0.3, failureShare: failureShare) }) { rig in
            let dysms = rig.dysms()
            let bizId = try await dysms.sendSms(phoneNumbers: "13800138000", signName: "阿里云短信测试",
                                                templateCode: "SMS_154950909", templateParam: "{\"code\":\"1234\"}",
                                                outId: "order-7")
            let truth = try #require(rig.emulator.sends().first)
            #expect(truth.bizId == bizId)
            let untilReport = truth.reportAt.timeIntervalSinceNow + 0.2
            if untilReport > 0 { try await Task.sleep(for: .milliseconds(Int(untilReport * 1000))) }
            let page = try await dysms.querySendDetails(phoneNumber: "13800138000", bizId: bizId,
                                                        sendDate: truth.sendDate, pageSize: 10, currentPage: 1)
            #expect(page.totalCount == 1)
            let row = try #require(page.rows.first.flatMap(jsonRow))
            #expect(row["SendStatus"] as? Int == sendStatus)
            #expect(row["SendStatus"] as? Int == (truth.outcome == .delivered ? 3 : 2))
            #expect(row["ErrCode"] as? String == truth.errCode)
            #expect(row["PhoneNum"] as? String == "13800138000")
            #expect(row["OutId"] as? String == "order-7")
        }
    }

    @Test("QuerySendDetails pages one row at a time over sends to several recipients")
    func querySendDetailsPagesOneRowAtATime() async throws {
        try await EmulatorRig.with({ $0.sms = .init(receiptDelay: 0) }) { rig in
            let dysms = rig.dysms()
            var bizIds: [String] = []
            for (index, others) in ["13900139000", "13700137000,13600136000", "13500135000"].enumerated() {
                bizIds.append(try await dysms.sendSms(phoneNumbers: "13800138000,\(others)", signName: "阿里云短信测试",
                                                      templateCode: "SMS_154950909", templateParam: nil,
                                                      outId: "send-\(index + 1)"))
            }
            let sendDate = try #require(rig.emulator.sends().first?.sendDate)
            var pages: [SendDetailsPage] = []
            for currentPage in 1...4 {
                pages.append(try await dysms.querySendDetails(phoneNumber: "13800138000", bizId: nil, sendDate: sendDate,
                                                              pageSize: 1, currentPage: currentPage))
            }
            #expect(pages.map(\.totalCount) == [3, 3, 3, 3])
            #expect(pages.map(\.rows.count) == [1, 1, 1, 0])
            let rows = pages.flatMap(\.rows).compactMap(jsonRow)
            #expect(rows.map { $0["PhoneNum"] as? String } == Array(repeating: "13800138000", count: 3))
            // Oldest first, one send per page: the three sends in order, no other recipient's row.
            #expect(rows.map { $0["OutId"] as? String } == ["send-1", "send-2", "send-3"])
            let truth = rig.emulator.sends().filter { $0.phoneNumber == "13800138000" }
            #expect(truth.map(\.bizId) == bizIds)
        }
    }
}

/// One `SmsSendDetailDTO` row as a dictionary.
func jsonRow(_ data: Data) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}
