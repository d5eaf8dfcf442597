@testable import AlibabaCloud
import Foundation
import Testing

@Suite("Token lifetime state machine")
struct TokenLifetimeTests {
    static let expiry = Date(timeIntervalSince1970: 1_000_000)
    static let token = TestTokens.make("A", expiresAt: expiry)

    static func holding(_ token: QueueToken = token) -> TokenLifetime {
        var lifetime = TokenLifetime(refreshMargin: .seconds(120))
        _ = lifetime.nextAction(at: expiry.addingTimeInterval(-600))
        lifetime.refreshSucceeded(with: token)
        return lifetime
    }

    @Test("states by time left: fresh, refreshSoon within the margin, expired at the expiry")
    func states() {
        let lifetime = Self.holding()
        #expect(TokenLifetime().state(at: Self.expiry) == .none)
        #expect(lifetime.state(at: Self.expiry.addingTimeInterval(-121)) == .fresh)
        #expect(lifetime.state(at: Self.expiry.addingTimeInterval(-120)) == .refreshSoon)
        #expect(lifetime.state(at: Self.expiry.addingTimeInterval(-1)) == .refreshSoon)
        #expect(lifetime.state(at: Self.expiry) == .expired)
    }

    @Test("no token: the first caller refreshes, the others wait")
    func noneRefreshesOnce() {
        var lifetime = TokenLifetime()
        #expect(lifetime.nextAction(at: Self.expiry) == .refreshThenUse)
        #expect(lifetime.nextAction(at: Self.expiry) == .waitForInFlightRefresh)
        #expect(lifetime.nextAction(at: Self.expiry) == .waitForInFlightRefresh)
    }

    @Test("a fresh token is used")
    func freshUsed() {
        var lifetime = Self.holding()
        #expect(lifetime.nextAction(at: Self.expiry.addingTimeInterval(-300)) == .use(Self.token))
        #expect(!lifetime.isRefreshing)
    }

    @Test("refreshSoon: one caller refreshes, the others keep using the still-valid token")
    func refreshSoonDoesNotBlock() {
        var lifetime = Self.holding()
        let soon = Self.expiry.addingTimeInterval(-60)
        #expect(lifetime.nextAction(at: soon) == .refreshThenUse)
        #expect(lifetime.nextAction(at: soon) == .use(Self.token))
    }

    @Test("expired: one caller refreshes, the others wait")
    func expiredWaits() {
        var lifetime = Self.holding()
        #expect(lifetime.nextAction(at: Self.expiry) == .refreshThenUse)
        #expect(lifetime.nextAction(at: Self.expiry) == .waitForInFlightRefresh)
    }

    @Test("a successful refresh makes the new token the one to use")
    func refreshSucceeded() {
        var lifetime = Self.holding()
        _ = lifetime.nextAction(at: Self.expiry)
        let next = TestTokens.make("B", expiresAt: Self.expiry.addingTimeInterval(600))
        lifetime.refreshSucceeded(with: next)
        #expect(lifetime.nextAction(at: Self.expiry) == .use(next))
    }

    @Test("a failed refresh lets the next caller try again")
    func refreshFailed() {
        var lifetime = TokenLifetime()
        _ = lifetime.nextAction(at: Self.expiry)
        lifetime.refreshFailed()
        #expect(lifetime.nextAction(at: Self.expiry) == .refreshThenUse)
    }

    @Test("invalidate forces exactly one refresh however many callers report the same token")
    func invalidateOnce() {
        var lifetime = Self.holding()
        let now = Self.expiry.addingTimeInterval(-300)
        let dropped = lifetime.invalidate(Self.token)
        let droppedAgain = lifetime.invalidate(Self.token)
        #expect(dropped)
        #expect(!droppedAgain)
        #expect(lifetime.nextAction(at: now) == .refreshThenUse)
        #expect(lifetime.nextAction(at: now) == .waitForInFlightRefresh)
        let next = TestTokens.make("B", expiresAt: Self.expiry)
        lifetime.refreshSucceeded(with: next)
        // A late report about the old token must not throw away the new one.
        let droppedLate = lifetime.invalidate(Self.token)
        #expect(!droppedLate)
        #expect(lifetime.nextAction(at: now) == .use(next))
    }
}
