import AlibabaCloud
import Foundation
import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// The compensator against a real SQLite ledger and a scripted QuerySendDetails.
@Suite("Compensator")
struct CompensatorTests {
    static let phone = "13800138000"
    static let bizId = "900619746936498440^0"

    private func sentAt() throws -> Date { try #require(BeijingTime.date(from: "2024-03-05 14:07:01")) }

    private func record(_ bizId: String = bizId, phone: String = phone, sentAt: Date) -> SendRecord {
        SendRecord(provider: .alibaba, bizId: bizId, phoneNumber: phone, outId: nil, sentAt: sentAt)
    }

    private func compensator(_ ledger: CompensationLedger, _ source: any SendDetailsSource, clock: CompensationClock,
                             settings: CompensatorSettings = .testing()) -> Compensator {
        Compensator(store: ledger.store, source: source, settings: settings, logger: CompensationLogging.logger,
                    now: clock.function)
    }

    @Test("a delivered row settles the send through the receipt path, as a compensation receipt")
    func deliveredSettles() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { q in ScriptedSendDetails.page([ScriptedSendDetails.row(phone: q.phoneNumber, status: 3)]) }
            let report = await compensator(ledger, source, clock: CompensationClock(sentAt.addingTimeInterval(900))).runOnce()
            #expect(report.settled == 1)
            let send = try await ledger.send(Self.bizId, phone: Self.phone)
            #expect(send.status == .delivered)
            #expect(send.checkCount == 1)
            #expect(send.nextCheckAt == nil)
            let receipts = try await ledger.store.receipts(LedgerQuery(bizId: Self.bizId))
            #expect(receipts.map(\.receipt.source) == [.compensation])
        }
    }

    @Test("the question names the phone, the Beijing send date, the biz id and page 1 of 50")
    func questionShape() async throws {
        try await CompensationLedger.with { ledger in
            // 23:30 UTC on 2024-03-04 is 07:30 on 2024-03-05 in Beijing.
            let sentAt = Date(timeIntervalSince1970: 1_709_595_000)
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { _ in ScriptedSendDetails.page([]) }
            await compensator(ledger, source, clock: CompensationClock(sentAt.addingTimeInterval(900))).runOnce()
            #expect(source.questions == [.init(phoneNumber: Self.phone, bizId: Self.bizId, sendDate: "20240305",
                                               pageSize: 50, currentPage: 1)])
        }
    }

    @Test("a waiting row leaves the send open and schedules the next check by the backoff")
    func pendingReschedules() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { q in ScriptedSendDetails.page([ScriptedSendDetails.row(phone: q.phoneNumber, status: 1)]) }
            let clock = CompensationClock(sentAt.addingTimeInterval(900))
            let report = await compensator(ledger, source, clock: clock).runOnce()
            #expect(report.rescheduled == 1)
            let send = try await ledger.send(Self.bizId, phone: Self.phone)
            #expect(send.status == .pending)
            #expect(send.checkCount == 1)
            #expect(send.nextCheckAt == clock.now.addingTimeInterval(3_600))
            #expect(try await ledger.store.receipts(LedgerQuery(bizId: Self.bizId)).isEmpty)
        }
    }

    @Test("a send whose date left the 30-day window is closed as unknown without a question")
    func windowClosed() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { _ in ScriptedSendDetails.page([]) }
            let closes = try #require(BeijingTime.date(from: "2024-04-04 00:00:00"))
            let compensator = compensator(ledger, source, clock: CompensationClock(closes))
            let report = await compensator.runOnce()
            #expect(report.closed == 1)
            #expect(source.questions.isEmpty)
            let send = try await ledger.send(Self.bizId, phone: Self.phone)
            #expect(send.status == DeliveryStatus(state: .unknown, isFinal: true))
            #expect(send.closedReason == "no final status within the 30-day QuerySendDetails window")
            #expect(compensator.health.snapshot.closedUnknown == 1)
        }
    }

    @Test("a send one second before its window closes is still asked about")
    func lastSecondAsked() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { q in ScriptedSendDetails.page([ScriptedSendDetails.row(phone: q.phoneNumber, status: 1)]) }
            let lastSecond = try #require(BeijingTime.date(from: "2024-04-03 23:59:59"))
            let report = await compensator(ledger, source, clock: CompensationClock(lastSecond)).runOnce()
            #expect(source.questions.count == 1)
            #expect(report.rescheduled == 1)
            // The last chance has passed: the next "check" is the close itself.
            let closes = try #require(BeijingTime.date(from: "2024-04-04 00:00:00"))
            let send = try await ledger.send(Self.bizId, phone: Self.phone)
            #expect(send.nextCheckAt == closes)
        }
    }

    @Test("a throttled answer slows the limiter and leaves the send due")
    func throttled() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { _ in
                throw AlibabaError(kind: .transient, code: "Throttling.User", message: "flow control", httpStatus: 400)
            }
            let compensator = compensator(ledger, source, clock: CompensationClock(sentAt.addingTimeInterval(900)),
                                          settings: .testing(maxQPS: 50))
            let report = await compensator.runOnce()
            #expect(report.throttled == 1)
            #expect(compensator.health.snapshot.currentQPS < 50)
            let send = try await ledger.send(Self.bizId, phone: Self.phone)
            #expect(send.checkCount == 0)
            #expect(send.status == .pending)
        }
    }

    @Test("a timeout leaves the send due for the next tick")
    func transientLeavesDue() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { _ in
                throw AlibabaError(kind: .transient, code: AlibabaError.Code.timeout, message: "timed out")
            }
            let clock = CompensationClock(sentAt.addingTimeInterval(900))
            let report = await compensator(ledger, source, clock: clock).runOnce()
            #expect(report.transient == 1)
            #expect(try await ledger.store.dueSends(now: clock.now, limit: 10).count == 1)
        }
    }

    @Test("a business refusal re-schedules that send by the backoff")
    func refusalReschedules() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { _ in
                throw AlibabaError(kind: .business, code: "isv.MOBILE_NUMBER_ILLEGAL", message: "bad number")
            }
            let clock = CompensationClock(sentAt.addingTimeInterval(900))
            let report = await compensator(ledger, source, clock: clock).runOnce()
            #expect(report.refused == 1)
            let send = try await ledger.send(Self.bizId, phone: Self.phone)
            #expect(send.checkCount == 1)
            #expect(send.nextCheckAt == clock.now.addingTimeInterval(3_600))
        }
    }

    @Test("a configuration error stops the tick, shows in the health and leaves every send due")
    func configurationErrorHalts() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            let sends = (0..<10).map { record("B\($0)^0", phone: "1380000000\($0)", sentAt: sentAt) }
            try await ledger.track(sends)
            let source = ScriptedSendDetails { _ in
                throw AlibabaError(kind: .configuration, code: "InvalidAccessKeyId.NotFound", message: "no such key",
                                   httpStatus: 404)
            }
            let clock = CompensationClock(sentAt.addingTimeInterval(900))
            let compensator = compensator(ledger, source, clock: clock, settings: .testing(concurrency: 1))
            let report = await compensator.runOnce()
            #expect(report.configurationError != nil)
            #expect(source.questions.count == 1)
            #expect(report.skipped == 9)
            #expect(compensator.health.snapshot.configurationError == "InvalidAccessKeyId.NotFound")
            #expect(try await ledger.store.dueSends(now: clock.now, limit: 20).count == 10)
        }
    }

    @Test("pages are read until TotalCount rows are in")
    func pagesThrough() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { q in
                let count = q.currentPage < 3 ? 50 : 20
                let rows = (0..<count).map { _ in ScriptedSendDetails.row(phone: "13999999999", status: 3) }
                return ScriptedSendDetails.page(rows, total: 120)
            }
            let report = await compensator(ledger, source, clock: CompensationClock(sentAt.addingTimeInterval(900))).runOnce()
            #expect(source.questions.map(\.currentPage) == [1, 2, 3])
            // Every row was about another phone: nothing settled, nothing stored.
            #expect(report.rescheduled == 1)
            #expect(report.receiptsStored == 0)
        }
    }

    @Test("no more questions are in flight than the configured concurrency")
    func boundedConcurrency() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track((0..<12).map { record("C\($0)^0", phone: "1390000000\($0 % 10)", sentAt: sentAt) })
            let source = ScriptedSendDetails(delay: .milliseconds(20)) { _ in ScriptedSendDetails.page([]) }
            let report = await compensator(ledger, source, clock: CompensationClock(sentAt.addingTimeInterval(900)),
                                           settings: .testing(concurrency: 3)).runOnce()
            #expect(report.answered == 12)
            #expect(source.maxInFlight <= 3)
            #expect(source.maxInFlight >= 1)
        }
    }

    @Test("sends that are not due yet are left alone")
    func notDueYet() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)], firstCheckDelay: 900)
            let source = ScriptedSendDetails { _ in ScriptedSendDetails.page([]) }
            let report = await compensator(ledger, source, clock: CompensationClock(sentAt.addingTimeInterval(899))).runOnce()
            #expect(report.due == 0)
            #expect(source.questions.isEmpty)
        }
    }

    @Test("started on its timer it ticks, and after stop() it asks nothing more")
    func startAndStop() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track([record(sentAt: sentAt)])
            let source = ScriptedSendDetails { q in ScriptedSendDetails.page([ScriptedSendDetails.row(phone: q.phoneNumber, status: 1)]) }
            let clock = CompensationClock(sentAt.addingTimeInterval(900))
            let compensator = compensator(ledger, source, clock: clock)
            compensator.start()
            var waited = 0
            while compensator.health.snapshot.ticks < 2, waited < 500 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            await compensator.stop()
            let ticks = compensator.health.snapshot.ticks
            #expect(ticks >= 2)
            #expect(source.questions.count == 1)
            clock.advance(by: 86_400)
            try await Task.sleep(for: .milliseconds(100))
            #expect(compensator.health.snapshot.ticks == ticks)
        }
    }
}
