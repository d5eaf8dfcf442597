import Foundation
import Testing
import SMSLedgerCore

@Suite("30-day QuerySendDetails window")
struct QueryWindowTests {
    private typealias S = CompensationSamples
    private let window = QueryWindow.alibaba

    @Test("a send 29 Beijing days back can be asked about until the last second of today")
    func lastQueryableSecond() throws {
        let sentAt = try S.beijing("2024-03-02 10:00:00")
        #expect(window.contains(sentAt: sentAt, now: try S.beijing("2024-03-31 23:59:59")))
    }

    @Test("a send 30 Beijing days back cannot be asked about")
    func firstClosedSecond() throws {
        let sentAt = try S.beijing("2024-03-02 10:00:00")
        #expect(!window.contains(sentAt: sentAt, now: try S.beijing("2024-04-01 00:00:00")))
    }

    @Test("the window of a send closes at 00:00 Beijing on send day + 30")
    func closesAt() throws {
        let sentAt = try S.beijing("2024-03-02 23:59:59")
        #expect(window.closesAt(sentAt: sentAt) == (try S.beijing("2024-04-01 00:00:00")))
    }

    @Test("the send day is the Beijing day, not the UTC day")
    func beijingDayNotUTC() throws {
        // 2024-03-01 23:30 UTC is 2024-03-02 07:30 in Beijing.
        let sentAt = Date(timeIntervalSince1970: 1_709_335_800)
        #expect(BeijingTime.sendDate(of: sentAt) == "20240302")
        #expect(window.closesAt(sentAt: sentAt) == (try S.beijing("2024-04-01 00:00:00")))
        #expect(window.contains(sentAt: sentAt, now: try S.beijing("2024-03-31 23:00:00")))
    }

    @Test("the first queryable day is today minus 29")
    func firstQueryableDay() throws {
        let now = try S.beijing("2024-03-31 08:00:00")
        let first = window.firstQueryableDay(now: now)
        #expect(BeijingTime.sendDate(of: QueryWindow.startOfBeijingDay(first)) == "20240302")
    }

    @Test("a send date ahead of our clock counts as inside")
    func futureSendDate() throws {
        #expect(window.contains(sentAt: try S.beijing("2024-04-02 00:10:00"), now: try S.beijing("2024-04-01 23:50:00")))
    }

    @Test("a configured window is clamped to 1...30 days")
    func clamped() {
        #expect(QueryWindow(days: 45).days == 30)
        #expect(QueryWindow(days: 0).days == 1)
    }

    @Test("a shorter configured window closes earlier")
    func shorterWindow() throws {
        let sentAt = try S.beijing("2024-03-02 10:00:00")
        #expect(QueryWindow(days: 7).closesAt(sentAt: sentAt) == (try S.beijing("2024-03-09 00:00:00")))
    }
}

@Suite("Next check time")
struct NextCheckTests {
    private typealias S = CompensationSamples
    private let policy = CompensationPolicy(
        schedule: CheckSchedule(firstCheckAfter: .seconds(900), backoff: [.seconds(3_600), .seconds(86_400)]),
        window: .alibaba, lastCheckLead: .seconds(3_600))

    @Test("inside the window the next check follows the backoff")
    func followsBackoff() throws {
        let sentAt = try S.beijing("2024-03-02 10:00:00")
        let checkedAt = sentAt.addingTimeInterval(900)
        #expect(policy.nextCheck(after: checkedAt, checksDone: 1, sentAt: sentAt) == checkedAt.addingTimeInterval(S.hour))
        #expect(policy.nextCheck(after: checkedAt, checksDone: 2, sentAt: sentAt) == checkedAt.addingTimeInterval(S.day))
    }

    @Test("a check that would land past the last chance moves to the last chance, before the window closes")
    func clampedToLastChance() throws {
        let sentAt = try S.beijing("2024-03-02 10:00:00")
        let checkedAt = try S.beijing("2024-03-31 12:00:00")
        let next = policy.nextCheck(after: checkedAt, checksDone: 5, sentAt: sentAt)
        #expect(next == (try S.beijing("2024-03-31 23:00:00")))
        #expect(next < window(sentAt))
    }

    @Test("after the last chance was taken, the next check is the moment the window closes")
    func afterLastChance() throws {
        let sentAt = try S.beijing("2024-03-02 10:00:00")
        let checkedAt = try S.beijing("2024-03-31 23:00:00")
        #expect(policy.nextCheck(after: checkedAt, checksDone: 6, sentAt: sentAt) == window(sentAt))
    }

    @Test("without a send time the schedule alone decides")
    func noSendTime() throws {
        let checkedAt = try S.beijing("2024-03-31 12:00:00")
        #expect(policy.nextCheck(after: checkedAt, checksDone: 1, sentAt: nil) == checkedAt.addingTimeInterval(S.hour))
    }

    private func window(_ sentAt: Date) -> Date {
        policy.window.closesAt(sentAt: sentAt)
    }
}
