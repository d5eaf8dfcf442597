/// Jittered exponential backoff for retrying transient Alibaba errors.
///
/// With the defaults (`base` 0.5 s, factor 2, `cap` 60 s) the base delay per attempt is:
///
/// | attempt | base delay | actual sleep (jitter) |
/// |---------|-----------:|-----------------------|
/// | 1       |     0.5 s  | 0.25 – 0.5 s          |
/// | 2       |       1 s  | 0.5 – 1 s             |
/// | 3       |       2 s  | 1 – 2 s               |
/// | 4       |       4 s  | 2 – 4 s               |
/// | 5       |       8 s  | 4 – 8 s               |
/// | 6       |      16 s  | 8 – 16 s              |
/// | 7       |      32 s  | 16 – 32 s             |
/// | 8 and up|      60 s  | 30 – 60 s (capped)    |
///
/// "Equal jitter": the sleep is uniformly distributed between half the base delay and the base delay.
/// Half keeps a floor under the wait, so a throttled caller never hammers the service; the random
/// half spreads the pollers of several queues (and several daemons) that failed at the same moment,
/// so they do not retry in lockstep.
///
/// The value is pure: the randomness is a parameter, so tests can pin it.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var factor: Int
    public var cap: Duration

    public init(base: Duration = .milliseconds(500), factor: Int = 2, cap: Duration = .seconds(60)) {
        self.base = base
        self.factor = max(1, factor)
        self.cap = cap
    }

    /// The base delay (before jitter) for a 1-based attempt number; attempt 0 or less counts as 1.
    public func baseDelay(attempt: Int) -> Duration {
        var delay = base
        var step = 1
        while step < attempt {
            delay = delay * factor
            if delay >= cap { return cap }
            step += 1
        }
        return min(delay, cap)
    }

    /// The delay to sleep before a retry. `jitter` is a number in `0...1` (values outside are
    /// clamped); 0 gives half the base delay, 1 the full base delay.
    public func delay(attempt: Int, jitter: Double) -> Duration {
        let full = baseDelay(attempt: attempt)
        let fraction = 0.5 + 0.5 * min(1, max(0, jitter))
        return full * fraction
    }

    /// The delay with jitter drawn from `generator`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        delay(attempt: attempt, jitter: Double.random(in: 0...1, using: &generator))
    }

    /// The delay with jitter from the system generator.
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}
