import Foundation
import RawHTTPClient
import Testing

@Suite("MNS queue semantics over HTTP")
struct MNSQueueTests {
    @Test func longPollReturnsAsSoonAsAMessageIsEnqueued() async throws {
        try await EmulatorHarness.with { harness in
            let credentials = harness.longTerm
            async let polled = harness.receive(harness.reportQueue, wait: 30, credentials)
            try await Task.sleep(for: .milliseconds(300))
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["woken"])
            let started = Date()
            let response = try await polled
            #expect(response.status == 200)
            #expect(xmlValues("MessageBody", in: response.body) == ["woken"])
            #expect(Date().timeIntervalSince(started) < 10, "the poll must not wait out its 30 s")
        }
    }

    @Test func aLongPollWhoseClientHasGoneDoesNotTakeTheNextMessage() async throws {
        try await EmulatorHarness.with { harness in
            let path = "/queues/\(harness.reportQueue)/messages?numOfMessages=16&waitseconds=30"
            let request = RawHTTP.format(method: "GET", target: path,
                                         headers: harness.mnsHeaders("GET", path, harness.longTerm), body: "")
            do {
                let abandoned = try RawConnection(port: harness.port)
                abandoned.write(request)
                try await Task.sleep(for: .milliseconds(300))  // parked in the emulator
            }  // the connection closes here, its poll unanswered
            try await Task.sleep(for: .milliseconds(300))
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["for the client still there"])
            let response = try await harness.receive(harness.reportQueue, wait: 5, harness.longTerm)
            #expect(xmlValues("MessageBody", in: response.body) == ["for the client still there"])
            #expect(harness.emulator.depth(of: harness.reportQueue)?.inFlight == 1)
        }
    }

    @Test func emptyQueueAnswersMessageNotExistAfterTheWait() async throws {
        try await EmulatorHarness.with { harness in
            let started = Date()
            let response = try await harness.receive(harness.reportQueue, wait: 1, harness.longTerm)
            #expect(response.status == 404)
            #expect(xmlValues("Code", in: response.body) == ["MessageNotExist"])
            #expect(Date().timeIntervalSince(started) >= 0.9)
        }
    }

    @Test func batchReceiveReturnsAtMostSixteen() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: (0..<20).map { "m\($0)" })
            let response = try await harness.receive(harness.reportQueue, count: 16, harness.longTerm)
            #expect(xmlValues("MessageBody", in: response.body) == (0..<16).map { "m\($0)" })
            let tooMany = try await harness.receive(harness.reportQueue, count: 17, harness.longTerm)
            #expect(tooMany.status == 400)
        }
    }

    @Test func singleReceiveAnswersOneMessageElementInTheRecordedStyle() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["SSBhbSDmtYvor5XlrZfnrKbkuLIu"])
            let response = try await harness.receive(harness.reportQueue, count: nil, harness.longTerm)
            #expect(response.body.hasPrefix("<?xml version=\"1.0\" ?>\n<Message xmlns=\"http://mns.aliyuncs.com/doc/v1\"><MessageId>"))
            #expect(xmlValues("MessageBodyMD5", in: response.body) == ["A9B134C465C384F49EB89A6E3870D996"])
            let order = ["MessageId", "MessageBodyMD5", "MessageBody", "ReceiptHandle", "EnqueueTime",
                         "FirstDequeueTime", "NextVisibleTime", "DequeueCount", "Priority"]
            let positions = order.compactMap { response.body.range(of: "<\($0)>")?.lowerBound }
            #expect(positions.count == order.count && positions == positions.sorted())
        }
    }

    @Test func redeliveryAfterVisibilityTimeoutGivesANewHandleAndCountsDequeues() async throws {
        try await EmulatorHarness.with({ $0.visibilityTimeout = 1 }) { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["again"])
            let first = try await harness.receive(harness.reportQueue, harness.longTerm)
            let second = try await harness.receive(harness.reportQueue, wait: 5, harness.longTerm)
            #expect(xmlValues("DequeueCount", in: first.body) == ["1"])
            #expect(xmlValues("DequeueCount", in: second.body) == ["2"])
            #expect(xmlValues("MessageId", in: first.body) == xmlValues("MessageId", in: second.body))
            let stale = try #require(xmlValues("ReceiptHandle", in: first.body).first)
            #expect(stale != xmlValues("ReceiptHandle", in: second.body).first)
            let refused = try await harness.delete(harness.reportQueue, handle: stale, harness.longTerm)
            #expect(refused.status == 404)
            #expect(xmlValues("Code", in: refused.body) == ["MessageNotExist"])
        }
    }

    @Test func changeVisibilityIssuesANewHandleAndRetiresTheOld() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["x"])
            let received = try await harness.receive(harness.reportQueue, harness.longTerm)
            let old = try #require(xmlValues("ReceiptHandle", in: received.body).first)
            let changed = try await harness.mns("PUT", "/queues/\(harness.reportQueue)/messages?ReceiptHandle=\(old)&VisibilityTimeout=60",
                                                harness.longTerm)
            #expect(changed.status == 200)
            let new = try #require(xmlValues("ReceiptHandle", in: changed.body).first)
            #expect(new != old)
            #expect(try await harness.delete(harness.reportQueue, handle: old, harness.longTerm).status == 404)
            #expect(try await harness.delete(harness.reportQueue, handle: new, harness.longTerm).status == 204)
        }
    }

    @Test func malformedHandleIsReceiptHandleError() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.delete(harness.reportQueue, handle: "not-a-handle", harness.longTerm)
            #expect(response.status == 400)
            #expect(xmlValues("Code", in: response.body) == ["ReceiptHandleError"])
        }
    }

    @Test func batchDeleteListsOnlyTheFailedHandles() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["a", "b", "c"])
            let received = try await harness.receive(harness.reportQueue, harness.longTerm)
            let handles = xmlValues("ReceiptHandle", in: received.body)
            _ = try await harness.delete(harness.reportQueue, handle: handles[1], harness.longTerm)
            let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><ReceiptHandles xmlns=\"http://mns.aliyuncs.com/doc/v1/\">"
                + handles.map { "<ReceiptHandle>\($0)</ReceiptHandle>" }.joined() + "</ReceiptHandles>"
            let response = try await harness.mns("DELETE", "/queues/\(harness.reportQueue)/messages", harness.longTerm, body: body)
            #expect(response.status == 404)
            #expect(xmlValues("ReceiptHandle", in: response.body) == [handles[1]])
            #expect(xmlValues("ErrorCode", in: response.body) == ["ReceiptHandleError"])
            #expect(harness.emulator.depth(of: harness.reportQueue)?.total == 0)
        }
    }

    @Test func fullBatchDeleteAnswers204() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["a", "b"])
            let handles = xmlValues("ReceiptHandle", in: try await harness.receive(harness.reportQueue, harness.longTerm).body)
            let body = "<ReceiptHandles>" + handles.map { "<ReceiptHandle>\($0)</ReceiptHandle>" }.joined() + "</ReceiptHandles>"
            let response = try await harness.mns("DELETE", "/queues/\(harness.reportQueue)/messages", harness.longTerm, body: body)
            #expect(response.status == 204)
        }
    }

    @Test func truncatedBatchDeleteBodyIsMalformedXML() async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.mns("DELETE", "/queues/\(harness.reportQueue)/messages", harness.longTerm,
                                                 body: "<ReceiptHandles><ReceiptHandle>x")
            #expect(response.status == 400)
            #expect(xmlValues("Code", in: response.body) == ["MalformedXML"])
        }
    }

    @Test func sendMessageEnqueuesWithEscapedBodyRoundTrip() async throws {
        try await EmulatorHarness.with { harness in
            let sent = try await harness.mns("POST", "/queues/\(harness.upQueue)/messages", harness.longTerm,
                                             body: "<Message><MessageBody>&lt;hello&gt; &amp; world</MessageBody></Message>")
            #expect(sent.status == 201)
            let received = try await harness.receive(harness.upQueue, harness.longTerm)
            #expect(xmlValues("MessageBody", in: received.body) == ["&lt;hello&gt; &amp; world"])
            #expect(xmlValues("MessageBodyMD5", in: sent.body) == xmlValues("MessageBodyMD5", in: received.body))
        }
    }
}
