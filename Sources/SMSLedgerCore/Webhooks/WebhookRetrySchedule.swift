import Foundation

/// What one delivery attempt came to, as the HTTP layer saw it.
public enum WebhookAttemptResult: Sendable, Hashable {
    /// Any 2xx.
    case accepted(status: Int)
    /// 410 Gone: the receiver says this endpoint no longer exists.
    case gone
    /// Any other status.
    case rejected(status: Int)
    /// No answer: refused connection, reset, timeout, TLS failure. The text is for the operator.
    case unreachable(String)

    public var httpStatus: Int? {
        switch self {
        case .accepted(let status), .rejected(let status): status
        case .gone: 410
        case .unreachable: nil
        }
    }

    /// A one-line reason for the journal and `smsledger deliveries`.
    public var summary: String {
        switch self {
        case .accepted(let status): "HTTP \(status)"
        case .gone: "HTTP 410 Gone"
        case .rejected(let status): "HTTP \(status)"
        case .unreachable(let reason): reason
        }
    }
}

/// What to do with a delivery after an attempt.
public enum WebhookDeliveryDecision: Sendable, Hashable {
    case delivered
    /// Try again after this long (jitter included).
    case retry(after: Duration)
    /// The schedule is used up: keep the delivery as dead (a dead letter), for `deliveries replay`.
    case dead
    /// 410: stop delivering to the endpoint (it stays disabled until an operator enables it); this
    /// delivery waits, pending, and goes out once the endpoint is enabled again.
    case disableEndpoint
}

/// The retry schedule of a webhook delivery, a pure function of the attempt number.
///
/// The delays follow the Standard Webhooks recommendation (as Svix runs it), stretched to cover
/// more than three days, since an application's outage over a weekend must not lose SMS news:
///
/// | after attempt | wait (±20 % jitter) | elapsed |
/// |---|---|---|
/// | 1 | 5 s | 5 s |
/// | 2 | 5 min | ~5 min |
/// | 3 | 30 min | ~35 min |
/// | 4 | 2 h | ~2.6 h |
/// | 5 | 5 h | ~7.6 h |
/// | 6, 7 | 10 h each | ~27.6 h |
/// | 8, 9, 10 | 24 h each | ~3.5 days |
/// | 11 | dead letter | |
///
/// Jitter spreads the retries of many events that failed together (an endpoint that was down), so
/// they do not return as one burst. The random source is a parameter so tests can pin it.
public struct WebhookRetrySchedule: Sendable, Hashable {
    public static let defaultDelays: [Duration] = [
        .seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000),
        .seconds(36_000), .seconds(36_000), .seconds(86_400), .seconds(86_400), .seconds(86_400),
    ]

    /// The wait after each failed attempt; one more failure after the last one is the end.
    public var delays: [Duration]
    /// Each wait is multiplied by a random factor in `1 ± jitter`.
    public var jitter: Double

    public init(delays: [Duration] = WebhookRetrySchedule.defaultDelays, jitter: Double = 0.2) {
        self.delays = delays
        self.jitter = min(max(jitter, 0), 0.9)
    }

    /// Attempts in all, the first included.
    public var maxAttempts: Int { delays.count + 1 }

    /// The decision after attempt number `attempt` (1 for the first) ended with `result`.
    public func decide(attempt: Int, result: WebhookAttemptResult,
                       using random: inout some RandomNumberGenerator) -> WebhookDeliveryDecision {
        switch result {
        case .accepted: return .delivered
        case .gone: return .disableEndpoint
        case .rejected, .unreachable:
            guard attempt >= 1, attempt <= delays.count else { return .dead }
            return .retry(after: jittered(delays[attempt - 1], using: &random))
        }
    }

    func jittered(_ delay: Duration, using random: inout some RandomNumberGenerator) -> Duration {
        guard jitter > 0 else { return delay }
        let factor = Double.random(in: (1 - jitter)...(1 + jitter), using: &random)
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        return .milliseconds(Int64((seconds * factor * 1000).rounded()))
    }
}

/// Endpoint-level backoff while an endpoint fails: a down endpoint is probed with one delivery at
/// growing intervals instead of being sent every due event, so thousands of events that become due
/// together cost one failed request per interval, not thousands (and none of them uses up an attempt
/// of its schedule before the endpoint answers again).
///
/// A pure value: the delivery worker asks ``claimLimit(full:)`` and ``pause`` and reports each cycle.
public struct EndpointHealth: Sendable, Hashable {
    public private(set) var consecutiveFailedCycles = 0
    public let basePause: Duration
    public let maxPause: Duration

    public init(basePause: Duration = .seconds(1), maxPause: Duration = .seconds(60)) {
        self.basePause = basePause
        self.maxPause = maxPause
    }

    public var isFailing: Bool { consecutiveFailedCycles > 0 }

    /// How many deliveries to claim: all that fit while healthy, one probe while failing.
    public func claimLimit(full: Int) -> Int { isFailing ? 1 : full }

    /// How long to wait before the next claim: none while healthy, doubling while failing.
    public var pause: Duration {
        guard isFailing else { return .zero }
        let doublings = min(consecutiveFailedCycles - 1, 16)
        let pause = basePause * (1 << doublings)
        return pause < maxPause ? pause : maxPause
    }

    /// A cycle in which at least one attempt got a 2xx (or nothing was attempted) makes it healthy;
    /// one whose attempts all failed extends the backoff.
    public mutating func record(attempted: Int, succeeded: Int) {
        guard attempted > 0 else { return }
        consecutiveFailedCycles = succeeded > 0 ? 0 : consecutiveFailedCycles + 1
    }
}
