import Dispatch

/// A one-shot Dispatch timer that can be re-armed, owning its queue.
///
/// The design card asks for polling on Dispatch timers. `DispatchSourceTimer` is not `Sendable` on
/// Linux and its handler is not checked for data races, so this small type confines the source to
/// its own serial queue: every touch of it happens there. The handler it runs must itself be
/// `@Sendable`, which keeps the logic it triggers in checked code.
///
/// Every timer's queue targets one shared serial queue. A queue of its own on the default target is
/// an overcommit queue, and Dispatch gave each busy one a thread: at 32 pollers per queue the daemon
/// ran close to a hundred threads while draining (counts in Benchmarks/README.md), most of them waking
/// twice per cycle to re-arm a timer or start a task. The handlers only take a lock and start a task, so one thread
/// runs them all.
final class PollTimer: @unchecked Sendable {
    // Safety: `source` and `cancelled` are only read or written on `queue`.
    private let queue: DispatchQueue
    private let source: DispatchSourceTimer
    private var cancelled = false

    private static let sharedTarget = DispatchQueue(label: "smsledger.poll-timers")

    init(label: String, handler: @escaping @Sendable () -> Void) {
        queue = DispatchQueue(label: label, target: Self.sharedTarget)
        source = DispatchSource.makeTimerSource(queue: queue)
        source.setEventHandler(handler: handler)
        source.schedule(deadline: .distantFuture)
        source.activate()
    }

    /// Fire once after `delay` (replacing any earlier arming).
    func schedule(after delay: Duration) {
        let nanos = max(0, delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
        queue.async { [self] in
            guard !cancelled else { return }
            source.schedule(deadline: .now() + .nanoseconds(Int(nanos)), repeating: .never, leeway: .milliseconds(5))
        }
    }

    func cancel() {
        queue.async { [self] in
            cancelled = true
            source.cancel()
        }
    }
}
