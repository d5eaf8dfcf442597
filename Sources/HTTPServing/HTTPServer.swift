import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Limits and timing of an ``HTTPServer``.
public struct HTTPServerConfiguration: Sendable {
    /// Larger request bodies are answered with 413 and the connection is closed.
    public var maxBodyBytes: Int
    /// How long ``RunningHTTPServer/shutdown()`` lets in-flight requests finish before closing them.
    public var shutdownGracePeriod: Duration
    public var backlog: Int32
    /// Cancel a request's handler task when its client disconnects before the answer. Off by default:
    /// a handler that has started something it must finish (tracking a send Alibaba accepted) must not
    /// be interrupted by a client that gave up. The emulator turns it on, so a long poll whose client
    /// has gone away stops waiting instead of taking the next messages for nobody.
    public var cancelsHandlerOnDisconnect: Bool
    /// Close a connection with no request in progress after this long: a fresh connection that
    /// sends nothing, or a keep-alive connection between requests. `nil`: never. Every open
    /// connection holds a file descriptor, so an idle one must not hold it forever.
    public var idleTimeout: Duration?
    /// A request must arrive whole (head and body) this long after its first byte, else it is
    /// answered 408 and the connection closed, so a client sending a byte a second cannot hold a
    /// connection. The time the handler takes does not count. `nil`: no limit.
    public var requestTimeout: Duration?
    /// Open connections beyond this are closed as soon as they are accepted (see ``HTTPConnectionEvent/refusedOverCap``).
    /// `nil`: no cap.
    public var maxConnections: Int?
    /// The largest request head: the request target plus every header name and value. Larger
    /// heads are answered 431 and the connection closed.
    public var maxHeaderBytes: Int
    /// The most header fields a request may have; more are answered 431 and the connection closed.
    public var maxHeaderCount: Int
    /// Told about each connection the server cuts off on its own (refused, timed out, oversized
    /// head), on an event loop thread: keep it quick and non-blocking.
    public var connectionEvents: (@Sendable (HTTPConnectionEvent) -> Void)?

    public init(maxBodyBytes: Int = 1 << 20, shutdownGracePeriod: Duration = .seconds(5), backlog: Int32 = 256,
                cancelsHandlerOnDisconnect: Bool = false, idleTimeout: Duration? = .seconds(30),
                requestTimeout: Duration? = .seconds(10), maxConnections: Int? = 512, maxHeaderBytes: Int = 16384,
                maxHeaderCount: Int = 100, connectionEvents: (@Sendable (HTTPConnectionEvent) -> Void)? = nil) {
        self.maxBodyBytes = maxBodyBytes
        self.shutdownGracePeriod = shutdownGracePeriod
        self.backlog = backlog
        self.cancelsHandlerOnDisconnect = cancelsHandlerOnDisconnect
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.connectionEvents = connectionEvents
    }

    /// The decoder's limits: the whole head bounded by ``maxHeaderBytes`` (NIO counts the target and
    /// each name and value), so a single field can be no larger either.
    var decoderLimits: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = maxHeaderBytes
        limits.maxHeaderFieldSize = maxHeaderBytes
        limits.maxHeaderFieldCount = maxHeaderCount
        return limits
    }
}

/// A small HTTP/1.1 server on SwiftNIO: keep-alive, pipelining-safe, Nagle off, raw request targets.
public enum HTTPServer {
    /// Binds `host:port` (port 0 picks a free port) and serves every request with `handler`.
    public static func start(host: String, port: Int, configuration: HTTPServerConfiguration = .init(),
                             logger: Logger = Logger(label: "smsledger.http"),
                             handler: @escaping HTTPRequestHandler) async throws -> RunningHTTPServer {
        let connections = ConnectionRegistry()
        let maxBody = configuration.maxBodyBytes
        let cancelsOnDisconnect = configuration.cancelsHandlerOnDisconnect
        let cap = ConnectionCap(limit: configuration.maxConnections, logger: logger)
        let report = configuration.connectionEvents
        let decoderLimits = configuration.decoderLimits
        let idleTimeout = configuration.idleTimeout.map { TimeAmount($0) }
        let requestTimeout = configuration.requestTimeout.map { TimeAmount($0) }
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                guard cap.admit() else {
                    report?(.refusedOverCap)
                    return channel.eventLoop.makeFailedFuture(ConnectionRefusedOverCap())
                }
                channel.closeFuture.whenComplete { _ in cap.release() }
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ConnectionDeadlineHandler(idleTimeout: idleTimeout, requestTimeout: requestTimeout,
                                                                  report: report))
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false,
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
                    try sync.addHandler(ProtocolErrorResponder(report: report))
                    try sync.addHandler(
                        RequestChannelHandler(handler: handler, maxBodyBytes: maxBody,
                                              cancelsOnDisconnect: cancelsOnDisconnect))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        let boundPort = channel.localAddress?.port ?? port
        logger.debug("http server listening", metadata: ["http.host": "\(host)", "http.port": "\(boundPort)"])
        return RunningHTTPServer(channel: channel, connections: connections, host: host, port: boundPort,
                                 gracePeriod: configuration.shutdownGracePeriod)
    }
}

/// Fails a child channel's initializer so NIO closes the connection at once. NIO passes it to the
/// listening channel's pipeline, where nothing acts on it; the refusal is counted and logged by then.
struct ConnectionRefusedOverCap: Error {}

/// A listening server. Call ``shutdown()`` exactly once when done.
public final class RunningHTTPServer: Sendable {
    public let host: String
    public let port: Int
    private let channel: any Channel
    private let connections: ConnectionRegistry
    private let gracePeriod: Duration

    init(channel: any Channel, connections: ConnectionRegistry, host: String, port: Int, gracePeriod: Duration) {
        self.channel = channel
        self.connections = connections
        self.host = host
        self.port = port
        self.gracePeriod = gracePeriod
    }

    /// Connections open now (admitted under the cap and not yet closed).
    public var openConnections: Int { connections.all().count }

    /// Stops accepting, lets requests in flight finish (up to the grace period), closes idle
    /// keep-alive connections at once, then closes whatever is left.
    public func shutdown() async {
        try? await channel.close()
        let open = connections.all()
        for child in open {
            child.pipeline.fireUserInboundEventTriggered(QuiesceEvent())
        }
        guard !open.isEmpty else { return }
        let allClosed = EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: channel.eventLoop)
        let grace = gracePeriod
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await allClosed.get() }
            group.addTask { try? await Task.sleep(for: grace) }
            await group.next()
            group.cancelAll()
            for child in open { child.close(promise: nil) }
        }
    }
}

/// The open connections, so shutdown can reach them. A lock guards the dictionary because channels
/// are added and removed from many event loop threads.
final class ConnectionRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: any Channel] = [:]

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        lock.withLock { channels[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.remove(id)
        }
    }

    private func remove(_ id: ObjectIdentifier) {
        _ = lock.withLock { channels.removeValue(forKey: id) }
    }

    func all() -> [any Channel] {
        lock.withLock { Array(channels.values) }
    }
}
