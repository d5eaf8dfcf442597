import AlicomEmulator
import Foundation
import RawHTTPClient
import SMSLedgerCore
import Testing

/// The HTTP batch push channel over real loopback HTTP: a receiver records what the emulator POSTs.
/// Delays are scaled to tens of milliseconds; outcomes are awaited with a deadline, never a fixed sleep.
@Suite("HTTP batch push: routing, batching, retries, abandonment, admin")
struct PushModeTests {
    /// Fast settings for tests: retries 50 ms apart. The answer deadline is generous, because a
    /// receiver slowed down by a busy machine would otherwise look silent and get the same items
    /// again; only the test of a silent receiver shortens it.
    private func fast(report: String? = nil, up: String? = nil, timeoutMillis: Int = 10_000) -> PushSettings {
        PushSettings(smsReportURL: report, smsUpURL: up, flushIntervalMillis: 10, timeoutMillis: timeoutMillis,
                     retryDelayMillis: 50, maxAttempts: 3)
    }

    @Test func sendSmsReceiptsArriveAsArraysOnceDueAndNotInTheQueue() async throws {
        try await withPushReceiver(.accept) { receiver in
            try await EmulatorHarness.with({ $0.sms = .init(receiptDelay: 0.2, failureShare: 0) }) { harness in
                harness.emulator.setPush(fast(report: receiver.url))
                let sentAt = Date()
                let bizId = harness.emulator.recordSend(phones: ["13800138000", "13800138001"])
                #expect(harness.emulator.pushCounters().pending == 2)
                #expect(await eventually { receiver.items.count == 2 })
                let firstArrival = try #require(receiver.arrivals.first)
                #expect(firstArrival.timeIntervalSince(sentAt) >= 0.19)
                #expect(receiver.items.allSatisfy { $0["biz_id"] as? String == bizId && $0["success"] as? Bool == true })
                #expect(receiver.contentTypes.allSatisfy { $0 == "application/json; charset=utf-8" })
                #expect(harness.emulator.depth(of: harness.reportQueue)?.total == 0)
                // The outboxes are not MNS queues: only the two Alicom queues are listed.
                #expect(harness.emulator.queueDepths().map(\.name).sorted() == [harness.reportQueue, harness.upQueue].sorted())
                #expect(await eventually { harness.emulator.pushCounters().itemsAccepted == 2 })
                #expect(harness.emulator.pushCounters().pending == 0)
            }
        }
    }

    @Test func itemsStoredWithoutAURLAreBatchedUpToBatchSizeOnceOneIsSet() async throws {
        try await withPushReceiver(.accept) { receiver in
            try await EmulatorHarness.with { harness in
                harness.emulator.enqueuePushItems(kind: .smsUp, rawItems: (1...10).map { "{\"n\":\($0)}" })
                #expect(harness.emulator.pushCounters(for: .smsUp).pending == 10)
                var settings = fast(up: receiver.url)
                settings.batchSize = 4
                harness.emulator.setPush(settings)
                #expect(await eventually { receiver.items.count == 10 })
                let sizes = receiver.batches.map(\.count)
                #expect(sizes.allSatisfy { $0 <= 4 })
                #expect(sizes.contains { $0 > 1 })
                #expect(Set(receiver.items.compactMap { $0["n"] as? Int }) == Set(1...10))
            }
        }
    }

    @Test(arguments: [PushReceiver.Answer.status(500), .code(1), .silence])
    func unacceptedPushesAreRetriedAfterTheDelayThenAbandoned(answer: PushReceiver.Answer) async throws {
        try await withPushReceiver(answer) { receiver in
            try await EmulatorHarness.with { harness in
                let silent = if case .silence = answer { true } else { false }
                // Long enough for the body to reach a receiver on a loaded machine before the emulator
                // gives up (at 150 ms some attempts never arrived while CI was busy).
                harness.emulator.setPush(fast(report: receiver.url, timeoutMillis: silent ? 1_000 : 10_000))
                harness.emulator.enqueuePushItems(kind: .smsReport, rawItems: ["{\"biz_id\":\"1^0\"}"])
                #expect(await eventually { harness.emulator.pushCounters().itemsAbandoned == 1 })
                // A POST the emulator gave up on may reach a busy receiver's handler later.
                #expect(await eventually { receiver.bodies.count >= 3 })
                #expect(receiver.bodies == Array(repeating: "[{\"biz_id\":\"1^0\"}]", count: 3))
                let arrivals = receiver.arrivals
                for (earlier, later) in zip(arrivals, arrivals.dropFirst()) {
                    #expect(later.timeIntervalSince(earlier) >= 0.045)
                }
                let counters = harness.emulator.pushCounters()
                #expect((counters.requests, counters.failedRequests, counters.acceptedRequests) == (3, 3, 0))
                #expect((counters.itemsAccepted, counters.pending) == (0, 0))
            }
        }
    }

    @Test func aFailedItemIsAcceptedOnALaterAttempt() async throws {
        try await withPushReceiver(.status(503), .accept) { receiver in
            try await EmulatorHarness.with { harness in
                harness.emulator.setPush(fast(report: receiver.url))
                harness.emulator.enqueuePushItems(kind: .smsReport, rawItems: ["{\"biz_id\":\"2^0\"}"])
                #expect(await eventually { harness.emulator.pushCounters().itemsAccepted == 1 })
                let counters = harness.emulator.pushCounters()
                #expect((counters.failedRequests, counters.acceptedRequests, counters.itemsAbandoned) == (1, 1, 0))
                #expect(receiver.bodies.count == 2 && Set(receiver.bodies).count == 1)
            }
        }
    }

    @Test func clearingTheURLStopsPushingAndSendsReceiptsToTheQueueAgain() async throws {
        try await withPushReceiver(.accept) { receiver in
            try await EmulatorHarness.with({ $0.sms = .init(receiptDelay: 0, failureShare: 0) }) { harness in
                harness.emulator.setPush(fast(report: receiver.url))
                harness.emulator.enqueuePushItems(kind: .smsReport, rawItems: ["{\"a\":1}"])
                #expect(await eventually { harness.emulator.pushCounters().itemsAccepted == 1 })
                harness.emulator.setPush(fast())
                harness.emulator.enqueuePushItems(kind: .smsReport, rawItems: ["{\"a\":2}"])
                harness.emulator.recordSend(phones: ["13800138000"])
                #expect(await eventually { harness.emulator.depth(of: harness.reportQueue)?.visible == 1 })
                #expect(harness.emulator.pushCounters().pending == 1)  // waits for a URL
                #expect(receiver.bodies == ["[{\"a\":1}]"])
            }
        }
    }

    @Test func alsoQueuePutsRepliesIntoThePushAndTheQueue() async throws {
        try await withPushReceiver(.accept) { receiver in
            try await EmulatorHarness.with { harness in
                var settings = fast(up: receiver.url)
                settings.alsoQueue = true
                harness.emulator.setPush(settings)
                harness.emulator.injectReply(phone: "13800138000", content: "退订")
                #expect(await eventually { receiver.items.count == 1 })
                #expect(receiver.items.first?["content"] as? String == "退订")
                #expect(harness.emulator.depth(of: harness.upQueue)?.visible == 1)
            }
        }
    }

    @Test func rawItemsArePushedVerbatimEvenWhenMalformed() async throws {
        try await withPushReceiver(.accept) { receiver in
            try await EmulatorHarness.with { harness in
                harness.emulator.enqueuePushItems(kind: .smsReport, rawItems: ["{\"phone_number\":", "\"not an object\"", "42"])
                harness.emulator.setPush(fast(report: receiver.url))
                #expect(await eventually { !receiver.bodies.isEmpty })
                #expect(receiver.bodies.first == "[{\"phone_number\":,\"not an object\",42]")
            }
        }
    }

    @Test func generatedInternationalReceiptsHaveTheDocumentedKeys() async throws {
        try await withPushReceiver(.accept) { receiver in
            try await EmulatorHarness.with { harness in
                harness.emulator.setPush(fast(report: receiver.url))
                let added = harness.emulator.enqueueGeneratedPush(kind: .smsReport, count: 20, failureShare: 0.5,
                                                                  internationalShare: 1)
                #expect(added == 20)
                #expect(await eventually { receiver.items.count == 20 })
                let keys: Set = ["To", "Status", "MessageId", "SmsSize", "TaskId", "SendDate", "ReceiveDate",
                                 "ErrorCode", "ErrorDescription"]
                let parser = DateFormatter()
                parser.locale = Locale(identifier: "en_US_POSIX")
                parser.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
                parser.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
                for item in receiver.items {
                    #expect(Set(item.keys) == keys)
                    #expect(["1", "2"].contains(item["Status"] as? String))
                    let sent = try #require(item["SendDate"] as? String)
                    #expect(sent.hasSuffix(" +0800"))
                    let parsed = try #require(parser.date(from: sent))
                    #expect(parser.string(from: parsed).prefix(3) == sent.prefix(3))  // the weekday is the right one
                    #expect(abs(parsed.timeIntervalSinceNow) < 3_600)
                }
            }
        }
    }

    @Test func duplicateShareRepeatsEachAcceptedItemExactlyOnce() async throws {
        try await withPushReceiver(.accept) { receiver in
            try await EmulatorHarness.with { harness in
                var settings = fast(report: receiver.url)
                settings.duplicateShare = 1
                harness.emulator.setPush(settings)
                harness.emulator.enqueuePushItems(kind: .smsReport, rawItems: ["{\"a\":1}", "{\"a\":2}"])
                #expect(await eventually { harness.emulator.pushCounters().itemsAccepted == 4 })
                #expect(harness.emulator.pushCounters().pending == 0)
                #expect(receiver.items.compactMap { $0["a"] as? Int }.sorted() == [1, 1, 2, 2])
            }
        }
    }

    @Test func adminReplacesReadsAndSeedsThePushChannel() async throws {
        try await withPushReceiver(.accept) { receiver in
            try await EmulatorHarness.with { harness in
                let port = harness.port
                func admin(_ method: String, _ target: String, _ body: String = "") async throws -> RawResponse {
                    try await RawHTTP.send(port: port, method: method, target: "/_emulator/" + target, body: body)
                }
                let bad = try await admin("PUT", "push", "{\"smsUpURL\":\"ftp://example.com/x\"}")
                let small = try await admin("PUT", "push", "{\"batchSize\":0}")
                #expect((bad.status, small.status) == (400, 400))
                let put = try await admin("PUT", "push", "{\"smsUpURL\":\"\(receiver.url)\",\"batchSize\":5,\"flushIntervalMillis\":10}")
                #expect(put.status == 200)
                #expect(harness.emulator.push.batchSize == 5 && harness.emulator.push.smsUpURL == receiver.url)
                #expect(harness.emulator.push.retryDelayMillis == 120_000)  // missing keys take the defaults
                let strings = try await admin("POST", "push/SmsUp/items", "[\"{\\\"raw\\\":1}\"]")
                let objects = try await admin("POST", "push/SmsUp/items", "[{\"object\":2}]")
                let generated = try await admin("POST", "push/SmsUp/items", "{\"count\":3}")
                #expect([strings, objects, generated].map { jsonObject($0.body)["enqueued"] as? Int } == [1, 1, 3])
                #expect(await eventually { harness.emulator.pushCounters().itemsAccepted == 5 })
                #expect(receiver.bodies.contains { $0.contains("{\"raw\":1}") })
                let status = jsonObject(try await admin("GET", "push").body)
                #expect((status["settings"] as? [String: Any])?["batchSize"] as? Int == 5)
                #expect((status["counters"] as? [String: Any])?["itemsAccepted"] as? Int == 5)
                #expect(((status["countersByKind"] as? [String: Any])?["SmsUp"] as? [String: Any])?["itemsAccepted"] as? Int == 5)
                #expect(try await admin("POST", "reset").status == 200)
                let afterReset = jsonObject(try await admin("GET", "push").body)
                #expect((afterReset["settings"] as? [String: Any])?["smsUpURL"] is NSNull)
                #expect((afterReset["counters"] as? [String: Any])?["itemsAccepted"] as? Int == 0)
            }
        }
    }
}
