import Foundation
import Testing
import SMSLedgerCore

@Suite("Check schedule")
struct CheckScheduleTests {
    private let schedule = CheckSchedule(firstCheckAfter: .seconds(900),
                                         backoff: [.seconds(3_600), .seconds(14_400), .seconds(43_200)])

    @Test("before any check the wait is firstCheckAfter")
    func firstCheck() {
        #expect(schedule.delay(afterChecks: 0) == .seconds(900))
        #expect(schedule.firstCheckDelay == 900)
    }

    @Test("after the n-th check the wait is backoff[n-1]")
    func backoffInOrder() {
        #expect(schedule.delay(afterChecks: 1) == .seconds(3_600))
        #expect(schedule.delay(afterChecks: 2) == .seconds(14_400))
        #expect(schedule.delay(afterChecks: 3) == .seconds(43_200))
    }

    @Test("the last backoff repeats")
    func lastRepeats() {
        #expect(schedule.delay(afterChecks: 4) == .seconds(43_200))
        #expect(schedule.delay(afterChecks: 40) == .seconds(43_200))
    }

    @Test("an empty backoff list falls back to one hour")
    func emptyBackoff() {
        #expect(CheckSchedule(firstCheckAfter: .seconds(60), backoff: []).delay(afterChecks: 3) == .seconds(3_600))
    }

    @Test("a zero backoff is raised to the minimum so the job cannot spin")
    func zeroBackoff() {
        #expect(CheckSchedule(firstCheckAfter: .zero, backoff: [.zero]).delay(afterChecks: 1) == CheckSchedule.minimumDelay)
    }
}
