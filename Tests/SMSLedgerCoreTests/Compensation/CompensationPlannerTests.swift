import Foundation
import Testing
import SMSLedgerCore

@Suite("Compensation planner: what to ask")
struct CompensationPlanTests {
    private typealias S = CompensationSamples
    private let planner = CompensationPlanner()

    @Test("due sends are grouped by phone and Beijing send date, in due order")
    func groupsByPhoneAndDate() throws {
        let morning = try S.beijing("2024-03-05 09:00:00")
        let evening = try S.beijing("2024-03-05 21:00:00")
        let nextDay = try S.beijing("2024-03-06 09:00:00")
        let sends = [
            S.send(bizId: "A^0", phone: "13800000001", sentAt: morning),
            S.send(bizId: "B^0", phone: "13800000002", sentAt: morning),
            S.send(bizId: "C^0", phone: "13800000001", sentAt: evening),
            S.send(bizId: "D^0", phone: "13800000001", sentAt: nextDay),
        ]
        let plan = planner.plan(sends, now: try S.beijing("2024-03-07 12:00:00"))
        #expect(plan.decisions.isEmpty)
        #expect(plan.queries.map(\.phoneNumber) == ["13800000001", "13800000002", "13800000001"])
        #expect(plan.queries.map(\.sendDate) == ["20240305", "20240305", "20240306"])
        #expect(plan.queries.map(\.bizIds) == [["A^0", "C^0"], ["B^0"], ["D^0"]])
    }

    @Test("a send late in the UTC day is asked about under the next Beijing date")
    func sendDateIsBeijing() throws {
        let sentAt = Date(timeIntervalSince1970: 1_709_335_800) // 2024-03-01 23:30 UTC
        let plan = planner.plan([S.send(sentAt: sentAt)], now: try S.beijing("2024-03-03 12:00:00"))
        #expect(plan.queries.first?.sendDate == "20240302")
    }

    @Test("every wanted biz id becomes its own lookup, because rows do not name their biz id")
    func oneLookupPerBizId() throws {
        let sentAt = try S.beijing("2024-03-05 09:00:00")
        let plan = planner.plan([S.send(bizId: "A^0", sentAt: sentAt), S.send(bizId: "B^0", sentAt: sentAt)],
                                now: try S.beijing("2024-03-05 12:00:00"))
        #expect(plan.queries.count == 1)
        #expect(plan.lookups.map(\.bizId) == ["A^0", "B^0"])
        #expect(plan.lookups.allSatisfy { $0.phoneNumber == S.phone && $0.sendDate == "20240305" })
    }

    @Test("a send whose date is 29 Beijing days back is still asked about")
    func insideWindowAsked() throws {
        let plan = planner.plan([S.send(sentAt: try S.beijing("2024-03-02 10:00:00"))],
                                now: try S.beijing("2024-03-31 23:59:59"))
        #expect(plan.lookups.count == 1)
        #expect(plan.decisions.isEmpty)
    }

    @Test("a send whose date has left the window is closed as unknown without asking")
    func outsideWindowClosed() throws {
        let send = S.send(sentAt: try S.beijing("2024-03-02 10:00:00"), checks: 7)
        let now = try S.beijing("2024-04-01 00:00:00")
        let plan = planner.plan([send], now: now)
        #expect(plan.queries.isEmpty)
        let decision = try #require(plan.decisions.first)
        #expect(decision.finding == .windowClosed)
        #expect(decision.checkedAt == now)
        #expect(decision.outcome == .close(reason: "no final status within the 30-day QuerySendDetails window"))
    }

    @Test("a TeleSign send is never asked about but re-scheduled by the backoff")
    func otherProviderRescheduled() throws {
        let now = try S.beijing("2024-03-05 12:00:00")
        let send = S.send(phone: nil, sentAt: try S.beijing("2024-03-05 09:00:00"), checks: 0, provider: .telesign)
        let plan = planner.plan([send], now: now)
        #expect(plan.queries.isEmpty)
        let decision = try #require(plan.decisions.first)
        #expect(decision.finding == .notQueryable(reason: "telesign has no status query"))
        #expect(decision.outcome == .checkAgain(at: now.addingTimeInterval(S.hour)))
    }

    @Test("an Alibaba send without a phone number is re-scheduled, then closed with the window")
    func noPhone() throws {
        let sentAt = try S.beijing("2024-03-02 10:00:00")
        let early = planner.plan([S.send(phone: nil, sentAt: sentAt)], now: try S.beijing("2024-03-05 12:00:00"))
        #expect(early.decisions.first?.finding == .notQueryable(reason: "no phone number recorded"))
        let late = planner.plan([S.send(phone: nil, sentAt: sentAt)], now: try S.beijing("2024-04-01 00:00:00"))
        #expect(late.decisions.first?.outcome == .close(reason: "no final status within 30 days (no phone number recorded)"))
    }

    @Test("a send without a send time is closed: there is no date to ask for")
    func noSendTime() throws {
        let plan = planner.plan([S.send(sentAt: nil)], now: try S.beijing("2024-03-05 12:00:00"))
        guard case .close = plan.decisions.first?.outcome else {
            Issue.record("expected a closure, got \(String(describing: plan.decisions.first))")
            return
        }
        #expect(plan.queries.isEmpty)
    }
}

@Suite("Compensation planner: applying answers")
struct CompensationApplyTests {
    private typealias S = CompensationSamples
    private let planner = CompensationPlanner(policy: CompensationPolicy(
        schedule: CheckSchedule(firstCheckAfter: .seconds(900), backoff: [.seconds(3_600), .seconds(14_400)])))

    private func lookup(checks: Int = 1) throws -> SendDetailsLookup {
        let send = S.send(sentAt: try S.beijing("2024-03-05 14:07:01"), checks: checks)
        return SendDetailsLookup(phoneNumber: S.phone, sendDate: "20240305", bizId: S.bizId, send: send)
    }

    private var now: Date { get throws { try S.beijing("2024-03-05 16:00:00") } }

    @Test("a delivered row is stored as a compensation receipt and settles the send")
    func deliveredRow() throws {
        let outcome = planner.applying(rows: [S.row(status: 3)], to: try lookup(), now: try now)
        let receipt = try #require(outcome.receipts.first)
        #expect(outcome.receipts.count == 1)
        #expect(receipt.source == .compensation)
        #expect(receipt.bizId == S.bizId)
        #expect(receipt.status == .delivered)
        #expect(outcome.decision.finding == .settled(.delivered))
    }

    @Test("a failed row settles the send as failed")
    func failedRow() throws {
        let outcome = planner.applying(rows: [S.row(status: 2, errCode: "MK:0001")], to: try lookup(), now: try now)
        #expect(outcome.receipts.first?.providerCode == "MK:0001")
        #expect(outcome.decision.finding == .settled(.failed))
    }

    @Test("a waiting row is not stored and the send is checked again by the backoff")
    func pendingRow() throws {
        let now = try now
        let outcome = planner.applying(rows: [S.row(status: 1)], to: try lookup(checks: 1), now: now)
        #expect(outcome.receipts.isEmpty)
        #expect(outcome.decision.finding == .stillPending)
        // One check done before, this is the second: backoff[1].
        #expect(outcome.decision.outcome == .checkAgain(at: now.addingTimeInterval(4 * S.hour)))
    }

    @Test("no row at all means check again, counted from this check")
    func noRow() throws {
        let now = try now
        let outcome = planner.applying(rows: [], to: try lookup(checks: 0), now: now)
        #expect(outcome.decision.finding == .notFound)
        #expect(outcome.decision.outcome == .checkAgain(at: now.addingTimeInterval(S.hour)))
    }

    @Test("a row about another phone says nothing about this send")
    func otherPhoneIgnored() throws {
        let outcome = planner.applying(rows: [S.row(status: 3, phone: "13900000000")], to: try lookup(), now: try now)
        #expect(outcome.receipts.isEmpty)
        #expect(outcome.ignoredRows == 1)
        #expect(outcome.decision.finding == .notFound)
    }

    @Test("a row that names another biz id on the same phone and date is ignored")
    func otherBizIdIgnored() throws {
        let rows = [S.row(status: 3, extra: #","BizId":"111111111111111111^0""#),
                    S.row(status: 1, extra: #","BizId":"\#(S.bizId)""#)]
        let outcome = planner.applying(rows: rows, to: try lookup(), now: try now)
        #expect(outcome.receipts.isEmpty)
        #expect(outcome.ignoredRows == 1)
        #expect(outcome.decision.finding == .stillPending)
    }

    @Test("a row with an unknown SendStatus is kept as news but settles nothing")
    func unknownStatusKept() throws {
        let outcome = planner.applying(rows: [S.row(status: 9)], to: try lookup(), now: try now)
        #expect(outcome.receipts.first?.status == DeliveryStatus(state: .unknown, isFinal: false))
        #expect(outcome.warnings == [.unknownStatusCode(provider: .alibaba, code: "SendStatus=9")])
        #expect(outcome.decision.finding == .stillPending)
    }

    @Test("a row that cannot be normalised is quarantined and counts as no row")
    func badRowQuarantined() throws {
        let bad = Data(#"{"PhoneNum":"13800138000","SendStatus":"three"}"#.utf8)
        let outcome = planner.applying(rows: [bad], to: try lookup(), now: try now)
        let entry = try #require(outcome.quarantine.first)
        #expect(entry.source == .compensation)
        #expect(entry.rawBody == bad)
        #expect(entry.context?.contains(S.bizId) == true)
        #expect(outcome.decision.finding == .notFound)
    }

    @Test("a pending check near the window's end is moved before the window closes")
    func neverPastWindow() throws {
        let send = S.send(sentAt: try S.beijing("2024-03-05 14:07:01"), checks: 9)
        let lookup = SendDetailsLookup(phoneNumber: S.phone, sendDate: "20240305", bizId: S.bizId, send: send)
        let outcome = planner.applying(rows: [S.row(status: 1)], to: lookup, now: try S.beijing("2024-04-03 20:00:00"))
        #expect(outcome.decision.outcome == .checkAgain(at: try S.beijing("2024-04-03 23:00:00")))
    }

    @Test("a refused question waits for the next check like an unanswered one")
    func refused() throws {
        let now = try now
        let decision = planner.refused(try lookup(checks: 0), code: "isv.MOBILE_NUMBER_ILLEGAL", now: now)
        #expect(decision.finding == .refused(code: "isv.MOBILE_NUMBER_ILLEGAL"))
        #expect(decision.outcome == .checkAgain(at: now.addingTimeInterval(S.hour)))
    }
}
