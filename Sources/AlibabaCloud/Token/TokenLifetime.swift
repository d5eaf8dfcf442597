import Foundation

/// The pure state machine behind ``MNSTokenProvider``: given the token we hold, whether a refresh
/// is running and the time, what should a caller who needs a token do?
///
/// ```
///            refresh ok                    now > expiresAt − margin
///   none ─────────────────▶ fresh ─────────────────────────────▶ refreshSoon
///    ▲                        ▲                                     │ now ≥ expiresAt
///    │ invalidate(token)      │ refresh ok                          ▼
///    └────────────────────────┴──────────────────────────────────  expired
/// ```
///
/// | state       | no refresh running      | refresh running             |
/// |-------------|-------------------------|-----------------------------|
/// | fresh       | `use`                   | `use`                       |
/// | refreshSoon | `refreshThenUse`        | `use` (still valid)         |
/// | expired     | `refreshThenUse`        | `waitForInFlightRefresh`    |
/// | none        | `refreshThenUse`        | `waitForInFlightRefresh`    |
///
/// Exactly one caller is told `refreshThenUse` until it reports back, however many ask: the action
/// itself marks the refresh as running. `refreshSoon` refreshes ahead of time (the official demos use
/// a 2-minute margin) without making anyone wait while the old token is still good.
public struct TokenLifetime: Sendable {
    public enum State: Sendable, Hashable {
        case none, fresh, refreshSoon, expired
    }

    public enum Action: Sendable, Hashable {
        case use(QueueToken)
        /// Fetch a new token, then report with ``refreshSucceeded(with:)`` or ``refreshFailed()``.
        case refreshThenUse
        case waitForInFlightRefresh
    }

    public let refreshMargin: Duration
    public private(set) var token: QueueToken?
    public private(set) var isRefreshing = false

    public init(refreshMargin: Duration = .seconds(120)) {
        self.refreshMargin = refreshMargin
    }

    public func state(at now: Date) -> State {
        guard let token else { return .none }
        if now >= token.expiresAt { return .expired }
        if now >= token.expiresAt.addingTimeInterval(-refreshMargin.secondsDouble) { return .refreshSoon }
        return .fresh
    }

    /// What a caller who needs a token now should do. Marks a refresh as running when it answers
    /// `refreshThenUse`.
    public mutating func nextAction(at now: Date) -> Action {
        switch (state(at: now), isRefreshing) {
        case (.fresh, _), (.refreshSoon, true):
            // `state` returned non-none, so the token is there.
            guard let token else { return startRefresh() }
            return .use(token)
        case (.refreshSoon, false), (.expired, false), (.none, false):
            return startRefresh()
        case (.expired, true), (.none, true):
            return .waitForInFlightRefresh
        }
    }

    private mutating func startRefresh() -> Action {
        isRefreshing = true
        return .refreshThenUse
    }

    public mutating func refreshSucceeded(with newToken: QueueToken) {
        token = newToken
        isRefreshing = false
    }

    /// The held token (if any) stays: in `refreshSoon` it is still valid, and the next caller
    /// starts another refresh.
    public mutating func refreshFailed() {
        isRefreshing = false
    }

    /// MNS refused `failed`. Drops it if it is still the token we hold, so the next caller refreshes;
    /// a report about a token already replaced (or being replaced) changes nothing. Returns whether
    /// the token was dropped.
    @discardableResult
    public mutating func invalidate(_ failed: QueueToken) -> Bool {
        guard let token, token.isSameCredential(as: failed) else { return false }
        self.token = nil
        return true
    }
}
