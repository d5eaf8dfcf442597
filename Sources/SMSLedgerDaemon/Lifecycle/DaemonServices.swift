import Foundation
import Logging
import ServiceLifecycle
import Synchronization

// The daemon's long-running pieces as swift-service-lifecycle services. Each `run()` starts its
// piece, waits for graceful shutdown and then stops it, so the ServiceGroup's reverse start order
// is the shutdown order: heartbeat (STOPPING=1) → signals → webhook delivery
// (Webhooks/WebhookDispatcher.swift) → pruner → compensator → pollers → metrics
// (Metrics/MetricsService.swift) → listener. The store and the HTTP client outlive the group;
// `Daemon.run` closes them after it returns.

/// The HTTP listener: bound before `READY=1` (a port in use is a configuration error, exit 78),
/// stopped last, after the pollers, so a request in flight never meets a closed store.
struct ListenerService: Service {
    let listener: HTTPListener
    let started: StartupBarrier
    /// Set when binding failed, so the daemon can exit with EX_CONFIG rather than 1.
    let bindFailure: FailureNote

    func run() async throws {
        do {
            try await listener.start()
        } catch {
            bindFailure.record("\(error)")
            throw error
        }
        started.arrive()
        try? await gracefulShutdown()
        await stoppingUnlessCancelled { await listener.stop() }
    }
}

/// The queue pollers of the current ``PollingRuntime`` (a reload may swap the runtime; the
/// daemon's state holds the one in effect).
struct PollersService: Service {
    let runtime: @Sendable () -> PollingRuntime?
    let started: StartupBarrier

    func run() async throws {
        runtime()?.startPollers()
        started.arrive()
        try? await gracefulShutdown()
        // In-flight batches are committed, then deleted; a receive in flight is cancelled.
        await stoppingUnlessCancelled { await runtime()?.stopPollers() }
    }
}

/// The compensation job of the current runtime, when enabled.
struct CompensatorService: Service {
    let runtime: @Sendable () -> PollingRuntime?

    func run() async throws {
        runtime()?.startCompensator()
        try? await gracefulShutdown()
        await stoppingUnlessCancelled { await runtime()?.stopCompensator() }
    }
}

/// The retention pruner, when `[store] retention_days` is above 0. Started after the compensator,
/// so it stops before it: a batch in progress ends with its transaction, the next one never starts.
struct RetentionService: Service {
    let pruner: Pruner

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await pruner.run() }
    }
}

/// SIGTERM/SIGINT and SIGHUP, from the one signal stream the process opens at start-up (so a
/// signal that arrives while the daemon is still starting waits instead of killing it). A
/// terminate returns, and because every service is configured to shut the group down gracefully
/// when it returns, that starts the graceful shutdown; a reload runs in place.
struct SignalService: Service {
    let signals: AsyncStream<DaemonSignal>
    let reload: @Sendable () async -> Void

    func run() async throws {
        for await signal in signals.cancelOnGracefulShutdown() {
            switch signal {
            case .terminate: return
            case .reload: await reload()
            }
        }
    }
}

/// `READY=1` once every other service has started, then `STATUS=` and `WATCHDOG=1` every few
/// seconds; on graceful shutdown `STOPPING=1` first of all, since this service started last.
struct HeartbeatService: Service {
    let started: StartupBarrier
    let ready: @Sendable () -> Void
    let beat: @Sendable () async -> Void
    let stopping: @Sendable () -> Void

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            guard await started.wait() else { return }
            ready()
            await beat()
        }
        stopping()
    }
}

/// Why a service failed, for the exit code, written by the service and read after the group ends.
final class FailureNote: Sendable {
    private let text = Mutex<String?>(nil)

    func record(_ reason: String) { text.withLock { $0 = $0 ?? reason } }
    var reason: String? { text.withLock { $0 } }
}

/// Counts services that must have started before `READY=1`.
final class StartupBarrier: Sendable {
    private let state: Mutex<(remaining: Int, waiters: [OneShot<Bool>])>

    init(count: Int) {
        state = Mutex((count, []))
    }

    func arrive() {
        let released = state.withLock { s -> [OneShot<Bool>] in
            s.remaining -= 1
            guard s.remaining <= 0 else { return [] }
            defer { s.waiters = [] }
            return s.waiters
        }
        released.forEach { $0.fire(true) }
    }

    /// `true` once every service arrived; `false` if the waiting task was cancelled first.
    func wait() async -> Bool {
        let shot = OneShot<Bool>()
        let ready = state.withLock { s -> Bool in
            guard s.remaining > 0 else { return true }
            s.waiters.append(shot)
            return false
        }
        if ready { return true }
        return await withTaskCancellationHandler { await shot.value() } onCancel: { shot.fire(false) }
    }
}

/// Runs `stop` and returns when it finishes, or at once when the calling task is cancelled: the
/// group cancels services still stopping after `maximumGracefulShutdownDuration`, and a stop held
/// up by a stuck request must not keep the process alive past systemd's `TimeoutStopSec=`. What
/// was abandoned is safe: a message not yet deleted comes back from the queue.
func stoppingUnlessCancelled(_ stop: @escaping @Sendable () async -> Void) async {
    let shot = OneShot<Void>()
    Task { await stop(); shot.fire(()) }
    await withTaskCancellationHandler { await shot.value() } onCancel: { shot.fire(()) }
}

/// A value delivered once to one waiter, whichever comes first: the value or the wait. Later
/// deliveries are ignored, so racing sources (completion and cancellation) need no coordination.
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<Value, Never>)
        case delivered(Value)
        case consumed
    }

    private let state = Mutex(State.empty)

    func fire(_ value: Value) {
        let waiter = state.withLock { s -> CheckedContinuation<Value, Never>? in
            switch s {
            case .empty:
                s = .delivered(value)
                return nil
            case .waiting(let continuation):
                s = .consumed
                return continuation
            case .delivered, .consumed:
                return nil
            }
        }
        waiter?.resume(returning: value)
    }

    func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> Value? in
                switch s {
                case .delivered(let value):
                    s = .consumed
                    return value
                case .empty:
                    s = .waiting(continuation)
                    return nil
                case .waiting, .consumed:
                    preconditionFailure("OneShot.value() called twice")
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
