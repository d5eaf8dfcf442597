import Dispatch
import Foundation

/// The signals the daemon acts on, delivered as an `AsyncStream` so the lifecycle can `for await`
/// them in order: SIGTERM and SIGINT stop gracefully, SIGHUP reloads the config.
public enum DaemonSignal: Sendable, Equatable {
    case terminate
    case reload
}

public enum SignalEvents {
    /// The process's one signal stream, created on first use. `smsledger run` touches it before
    /// parsing its arguments, so a SIGTERM or SIGHUP that arrives while the daemon is still
    /// starting is queued instead of killing the process with the default action.
    public static let process: AsyncStream<DaemonSignal> = stream()

    /// Ignores the default action of SIGTERM, SIGINT and SIGHUP (so they no longer kill the process)
    /// and turns them into stream elements. Call once per process.
    public static func stream() -> AsyncStream<DaemonSignal> {
        let (stream, continuation) = AsyncStream<DaemonSignal>.makeStream()
        let queue = DispatchQueue(label: "smsledger.signals")
        let sources = [(SIGTERM, DaemonSignal.terminate), (SIGINT, .terminate), (SIGHUP, .reload)].map { signo, event in
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            source.setEventHandler { continuation.yield(event) }
            source.activate()
            return source
        }
        let holder = SourceHolder(sources)
        continuation.onTermination = { _ in holder.cancel() }
        return stream
    }

    /// Keeps the signal sources alive for as long as the stream is.
    private final class SourceHolder: @unchecked Sendable {
        // Safety: set once in init, then only cancelled; DispatchSource.cancel is thread-safe.
        private let sources: [any DispatchSourceSignal]
        init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
        func cancel() { sources.forEach { $0.cancel() } }
    }
}
