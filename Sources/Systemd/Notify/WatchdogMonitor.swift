import Synchronization
import SMSLedgerCore
/// One ``WatchdogGate`` shared by the pollers (which beat) and the ping loop (which asks).
///
/// The clock is injectable so that tests can move time by hand; production uses the continuous
/// clock, which keeps counting while the machine is suspended, as systemd's watchdog does.
public final class WatchdogMonitor: Sendable {
    private let gate = Mutex(WatchdogGate())
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.now = now
    }

    public func register(_ id: String, maxSilence: Duration) {
        let instant = now()
        gate.withLock { $0.register(id, maxSilence: maxSilence, now: instant) }
    }

    public func unregister(_ id: String) {
        gate.withLock { $0.unregister(id) }
    }

    /// Call whenever `id` makes progress: a receive returned (even empty), a batch committed.
    @discardableResult
    public func beat(_ id: String) -> Bool {
        let instant = now()
        return gate.withLock { $0.beat(id, now: instant) }
    }

    public func shouldPing() -> Bool {
        let instant = now()
        return gate.withLock { $0.shouldPing(now: instant) }
    }

    public func silentComponents() -> [String] {
        let instant = now()
        return gate.withLock { $0.silentComponents(now: instant) }
    }

    /// Pings every `period` while all components are alive, until the task is cancelled.
    ///
    /// `period` should be half of ``SystemdNotifier/watchdogInterval()``. When the gate says no,
    /// `withheld` gets the silent ids (to log them) and no ping is sent, so systemd restarts the
    /// service once `WatchdogSec=` has passed without one.
    public func run(
        period: Duration,
        ping: @Sendable () -> Void,
        withheld: @Sendable ([String]) -> Void = { _ in }
    ) async {
        while !Task.isCancelled {
            let silent = silentComponents()
            if silent.isEmpty { ping() } else { withheld(silent) }
            do { try await Task.sleep(for: period) } catch { return }
        }
    }

    /// ``run(period:ping:withheld:)`` sending `WATCHDOG=1` through `notifier`.
    public func run(
        period: Duration,
        notifier: SystemdNotifier,
        withheld: @Sendable ([String]) -> Void = { _ in }
    ) async {
        await run(period: period, ping: { notifier.watchdogPing() }, withheld: withheld)
    }
}
