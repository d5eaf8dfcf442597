import Foundation
import LedgerStore
import SMSLedgerCore
import Synchronization
import Testing
@testable import SMSLedgerDaemon

/// A monotonic clock that moves only when someone sleeps on it: sleeping returns at once and
/// advances the time, so the compensator's pace is measured in virtual seconds, exactly.
final class VirtualPacingClock: PacingClock {
    private let state = Mutex((elapsed: Duration.zero, sleeps: [Duration]()))
    private let origin = ContinuousClock.now

    var now: ContinuousClock.Instant { origin + state.withLock { $0.elapsed } }
    var elapsed: Duration { state.withLock { $0.elapsed } }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.elapsed += duration
            $0.sleeps.append(duration)
        }
    }
}

@Suite("Compensator pace on an injected clock")
struct CompensatorPacingTests {
    private func sentAt() throws -> Date {
        try #require(BeijingTime.date(from: "2024-03-05 14:07:01"))
    }

    /// 12 lookups at 2 questions per second with a burst of one: the first is free, the other 11
    /// wait half a second each, all of it on the virtual clock (a limiter reading the real clock
    /// would sleep for real and record nothing here).
    @Test func questionsAreSpacedByTheConfiguredRateWithoutWaitingOnWallTime() async throws {
        try await CompensationLedger.with { ledger in
            let sentAt = try sentAt()
            try await ledger.track((0..<12).map {
                SendRecord(provider: .alibaba, bizId: "P\($0)^0", phoneNumber: "1390000000\($0 % 10)", outId: nil, sentAt: sentAt)
            })
            let source = ScriptedSendDetails { _ in ScriptedSendDetails.page([]) }
            let pacing = VirtualPacingClock()
            let compensator = Compensator(store: ledger.store, source: source,
                                          settings: .testing(maxQPS: 2, concurrency: 1), logger: CompensationLogging.logger,
                                          now: CompensationClock(sentAt.addingTimeInterval(900)).function, pacing: pacing)
            let report = await compensator.runOnce()
            #expect(report.answered == 12)
            #expect(pacing.elapsed == .milliseconds(5500))
            #expect(pacing.sleeps.allSatisfy { $0 == .milliseconds(500) })
        }
    }
}
