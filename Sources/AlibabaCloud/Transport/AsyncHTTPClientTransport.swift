import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// ``HTTPTransport`` over one shared async-http-client `HTTPClient`.
///
/// One instance serves the whole daemon (Dybaseapi, Dysmsapi and every MNS poller), so keep-alive
/// connections are reused and the pool limit is the one place that caps connections per host.
/// Each MNS long poll holds a connection for up to `waitseconds`, so the per-host limit must be at
/// least (pollers per queue × queues) plus room for deletes; the default of 16 allows for that.
///
/// A refused connection is not reported at once: the pool retries the connect until
/// `connectTimeout` runs out, then reports the refusal (still `.transient`, code `ConnectionRefused`).
///
/// Call ``shutdown()`` when done, and await it. A transport released without that shuts its client
/// down in the background from `deinit`: async-http-client traps in debug builds on a client released
/// while running, and one test that throws before its cleanup would otherwise take down the whole
/// test process (every other test's result with it).
public final class AsyncHTTPClientTransport: HTTPTransport {
    public struct Configuration: Sendable {
        /// Connections per host the pool keeps; long polls each hold one for the whole wait.
        public var connectionsPerHost: Int
        public var connectTimeout: Duration
        /// How long an idle keep-alive connection is kept.
        public var idleTimeout: Duration
        /// The largest answer accepted. A batch of 16 MNS messages of 64 KiB each is about 1.5 MiB.
        public var maxResponseBytes: Int

        public init(connectionsPerHost: Int = 16, connectTimeout: Duration = .seconds(10),
                    idleTimeout: Duration = .seconds(60), maxResponseBytes: Int = 8 << 20) {
            self.connectionsPerHost = connectionsPerHost
            self.connectTimeout = connectTimeout
            self.idleTimeout = idleTimeout
            self.maxResponseBytes = maxResponseBytes
        }
    }

    private let client: HTTPClient
    private let maxResponseBytes: Int
    /// Set once ``shutdown()`` has begun, so `deinit` knows whether the client still runs.
    private let shutDown = Atomic<Bool>(false)

    public init(configuration: Configuration = Configuration()) {
        var config = HTTPClient.Configuration()
        // No global read timeout: a long poll is silent for up to 30 s by design. Each request
        // gets its own deadline in `execute` instead.
        config.timeout = .init(connect: .nanoseconds(configuration.connectTimeout.nanosecondsClamped), read: nil)
        config.connectionPool = .init(
            idleTimeout: .nanoseconds(configuration.idleTimeout.nanosecondsClamped),
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.connectionsPerHost)
        // A redirect would be resent unsigned for the new target; the services never redirect.
        config.redirectConfiguration = .disallow
        config.httpVersion = .http1Only
        // No spans: nothing here exports traces, and with the default (a no-op global tracer) the
        // client still opened a span and built its request attributes for every request, a visible
        // share of the daemon's CPU while draining a queue (Benchmarks/README.md).
        config.tracing.tracer = nil
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        // ResponseAccumulator traps on a negative limit or one past 4 GiB (a ByteBuffer's size).
        maxResponseBytes = min(max(0, configuration.maxResponseBytes), Int(UInt32.max))
    }

    /// Runs the request through the client's future-based API with a ``ResponseAccumulator``, which
    /// hands over the whole answer in one buffer: the async API streams the body through an
    /// async sequence, with several task switches per request (a measurable share of the daemon's CPU
    /// per message, see Benchmarks/README.md; the MNS answers are small and read whole anyway). Cancelling
    /// the calling task cancels the request.
    public func execute(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        do {
            var headers = HTTPHeaders()
            headers.reserveCapacity(request.headers.count)
            for header in request.headers {
                headers.add(name: header.name, value: header.value)
            }
            let outgoing = try HTTPClient.Request(url: request.url, method: .init(rawValue: request.method),
                                                  headers: headers, body: request.body.map { .data($0) })
            let accumulator = ResponseAccumulator(request: outgoing, maxBodySize: maxResponseBytes)
            let task = client.execute(request: outgoing, delegate: accumulator,
                                      deadline: .now() + .nanoseconds(timeout.nanosecondsClamped))
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            return TransportResponse(
                status: Int(response.status.code),
                headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: response.body.map { Data($0.readableBytesView) } ?? Data())
        } catch {
            throw Self.transportError(error)
        }
    }

    /// Stops the client; pending requests fail. Call once, before exit.
    public func shutdown() async throws {
        shutDown.store(true, ordering: .sequentiallyConsistent)
        try await client.shutdown()
    }

    deinit {
        // The client keeps itself alive until its shutdown completes, so nothing here waits.
        if !shutDown.load(ordering: .sequentiallyConsistent) { client.shutdown { _ in } }
    }

    /// Maps whatever async-http-client or NIO threw to a transient ``AlibabaError``.
    ///
    /// Every failure without an HTTP answer is worth retrying: the request may not have reached the
    /// service, and the operations we send are safe to repeat (receives time out, deletes and
    /// visibility changes are idempotent at worst). Cancellation is passed through untouched.
    static func transportError(_ error: any Error) -> any Error {
        if error is CancellationError { return error }
        if let alibaba = error as? AlibabaError { return alibaba }
        if let client = error as? HTTPClientError {
            switch client {
            case .cancelled: return CancellationError()
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout,
                 .getConnectionFromPoolTimeout:
                return transient(AlibabaError.Code.timeout, String(describing: client))
            case .remoteConnectionClosed:
                return transient(AlibabaError.Code.connectionReset, String(describing: client))
            default:
                break
            }
        }
        // NIO's own errors (IOError, NIOConnectionError, ChannelError, some of them in NIOPosix) are
        // named through their text rather than matched type by type.
        let text = String(describing: error)
        let lower = text.lowercased()
        let code: String
        if lower.contains("refused") {
            code = AlibabaError.Code.connectionRefused
        } else if lower.contains("reset") || lower.contains("broken pipe") || lower.contains("ioonclosedchannel")
                    || lower.contains("eof") {
            code = AlibabaError.Code.connectionReset
        } else if lower.contains("timeout") || lower.contains("timed out") {
            code = AlibabaError.Code.timeout
        } else {
            code = AlibabaError.Code.transport
        }
        return transient(code, text)
    }

    private static func transient(_ code: String, _ message: String) -> AlibabaError {
        AlibabaError(kind: .transient, code: code, message: message)
    }
}
