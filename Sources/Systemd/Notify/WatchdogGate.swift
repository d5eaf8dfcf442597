/// Decides whether the daemon has earned a `WATCHDOG=1`.
///
/// A ping from a timer alone proves only that the timer runs; a poller stuck in a dead connection
/// or a loop that `break`s out on an auth error would go unnoticed forever. So each long-running
/// component registers with the longest silence it may legitimately keep, reports a heartbeat
/// with ``beat(_:now:)`` each time it makes progress, and the ping is withheld as soon as any
/// component has been quiet for longer than its allowance. systemd then restarts the service
/// after `WatchdogSec=`.
///
/// A queue poller beats before each long poll, so its allowance must cover a whole poll: the MNS
/// wait of up to 30 s plus a margin for the HTTP round trip (say 45 s in total).
///
/// Pure logic: time is passed in, so the rules are tested without sleeping. ``WatchdogMonitor``
/// shares one gate between threads and supplies the clock.
public struct WatchdogGate: Sendable {
    public typealias Instant = ContinuousClock.Instant

    struct Component: Sendable {
        var maxSilence: Duration
        var lastBeat: Instant
    }

    private var components: [String: Component] = [:]

    public init() {}

    /// Starts watching `id`. Registration counts as a first beat, so a component gets its full
    /// allowance to start up. Registering again replaces the allowance and restarts the count.
    public mutating func register(_ id: String, maxSilence: Duration, now: Instant) {
        components[id] = Component(maxSilence: maxSilence, lastBeat: now)
    }

    /// Stops watching `id`, for a component that ended on purpose (a queue removed by a reload).
    public mutating func unregister(_ id: String) {
        components[id] = nil
    }

    /// Records progress by `id`. Returns `false` for an id that was never registered, whose beat
    /// is ignored: a typo must not silently keep the watchdog happy.
    @discardableResult
    public mutating func beat(_ id: String, now: Instant) -> Bool {
        guard components[id] != nil else { return false }
        components[id]?.lastBeat = now
        return true
    }

    /// The components that have been quiet longer than allowed, sorted, for logs and `STATUS=`.
    public func silentComponents(now: Instant) -> [String] {
        components
            .filter { _, component in component.lastBeat.duration(to: now) > component.maxSilence }
            .map(\.key)
            .sorted()
    }

    /// `true` when every registered component beat within its allowance (or none is registered).
    public func shouldPing(now: Instant) -> Bool {
        silentComponents(now: now).isEmpty
    }

    /// The registered ids, sorted.
    public var registered: [String] {
        components.keys.sorted()
    }
}
