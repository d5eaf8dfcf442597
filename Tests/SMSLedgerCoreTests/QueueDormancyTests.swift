import Foundation
import SMSLedgerCore
import Testing

@Suite("Queue dormancy: a receipt queue silent while sends are recorded")
struct QueueDormancyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let hour: TimeInterval = 3600

    @Test func aQueueThatDeliveredWithinThePeriodIsFlowing() {
        let verdict = QueueDormancy.assess(lastMessageAt: now - 600, watchingSince: now - 5 * hour,
                                           lastSendAt: now - 60, now: now, silentAfter: hour)
        #expect(verdict == .flowing)
    }

    @Test func aQuietQueueWithNoSendsSinceItsLastMessageIsOnlyIdle() {
        let verdict = QueueDormancy.assess(lastMessageAt: now - 3 * hour, watchingSince: now - 5 * hour,
                                           lastSendAt: now - 4 * hour, now: now, silentAfter: hour)
        #expect(verdict == .idle(silence: 3 * hour))
        #expect(!verdict.isSilent)
    }

    @Test func aQuietQueueWithSendsRecordedSinceItsLastMessageIsSilent() {
        let verdict = QueueDormancy.assess(lastMessageAt: now - 3 * hour, watchingSince: now - 5 * hour,
                                           lastSendAt: now - 600, now: now, silentAfter: hour)
        #expect(verdict == .silent(silence: 3 * hour, lastSendAge: 600))
        #expect(verdict.isSilent)
    }

    @Test func aQueueThatNeverDeliveredIsSilentFromWhenWatchingBegan() {
        let early = QueueDormancy.assess(lastMessageAt: nil, watchingSince: now - 1800, lastSendAt: now - 60,
                                         now: now, silentAfter: hour)
        #expect(early == .flowing, "not yet silent for the whole period")
        let late = QueueDormancy.assess(lastMessageAt: nil, watchingSince: now - 2 * hour, lastSendAt: now - 60,
                                        now: now, silentAfter: hour)
        #expect(late == .silent(silence: 2 * hour, lastSendAge: 60))
    }

    @Test func aLedgerWithoutSendsNeverMakesAQueueSilent() {
        let verdict = QueueDormancy.assess(lastMessageAt: nil, watchingSince: now - 30 * 24 * hour, lastSendAt: nil,
                                           now: now, silentAfter: hour)
        #expect(verdict == .idle(silence: 30 * 24 * hour))
    }

    @Test func silencesAreDescribedShortly() {
        #expect(QueueDormancy.describe(45) == "45s")
        #expect(QueueDormancy.describe(600) == "10m")
        #expect(QueueDormancy.describe(3900) == "1h05m")
        #expect(QueueDormancy.describe(2 * 86_400 + 3 * 3600 + 59) == "2d3h")
    }
}
