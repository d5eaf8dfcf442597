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

    public init(maxBodyBytes: Int = 1 << 20, shutdownGracePeriod: Duration = .seconds(5), backlog: Int32 = 256,
                cancelsHandlerOnDisconnect: Bool = false) {
        self.maxBodyBytes = maxBodyBytes
        self.shutdownGracePeriod = shutdownGracePeriod
        self.backlog = backlog
        self.cancelsHandlerOnDisconnect = cancelsHandlerOnDisconnect
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
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
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
