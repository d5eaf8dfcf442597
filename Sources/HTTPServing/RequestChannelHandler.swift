import NIOCore
import NIOHTTP1

/// Sent down a connection's pipeline when the server starts a graceful shutdown.
struct QuiesceEvent: Sendable {}

/// Collects one request (head, body, end), hands it to the async handler and writes the answer.
///
/// One request per connection is in flight at a time: parts of a pipelined next request that arrive
/// while the handler runs are held back and replayed once the answer is written (NIO's pipelining
/// helper sits in front too, but can forward a request that was already read). Bodies above the
/// limit are discarded and answered with 413, then the connection is closed, so a large upload
/// cannot grow memory.
///
/// It tells ``ConnectionDeadlineHandler`` where the connection is in its cycle (a head arrived, the
/// request went to its handler, the answer was written) so timeouts never cut a request being handled.
final class RequestChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        case discarding(HTTPRequestHead)
        case responding
    }

    private let handler: HTTPRequestHandler
    private let maxBodyBytes: Int
    private let cancelsOnDisconnect: Bool
    /// The running handler, kept only when it is to be cancelled on disconnect.
    private var inFlight: Task<Void, Never>?
    private var state = State.idle
    private var quiescing = false
    /// Parts of pipelined requests received while a response is pending.
    private var heldBack: [HTTPServerRequestPart] = []

    init(handler: @escaping HTTPRequestHandler, maxBodyBytes: Int, cancelsOnDisconnect: Bool = false) {
        self.handler = handler
        self.maxBodyBytes = maxBodyBytes
        self.cancelsOnDisconnect = cancelsOnDisconnect
    }

    func channelInactive(context: ChannelHandlerContext) {
        inFlight?.cancel()
        inFlight = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .responding = state {
            heldBack.append(part)
            return
        }
        process(part, context: context)
    }

    private func process(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (part, state) {
        case (.head(let head), .idle):
            enter(.reading, context: context)
            let declared = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
            state = declared > maxBodyBytes
                ? .discarding(head)
                : .receiving(head, context.channel.allocator.buffer(capacity: max(0, declared)))
        case (.body(var chunk), .receiving(let head, var body)):
            if body.readableBytes + chunk.readableBytes > maxBodyBytes {
                state = .discarding(head)
            } else {
                state = .responding  // drop the reference so `body` stays uniquely owned
                body.writeBuffer(&chunk)
                state = .receiving(head, body)
            }
        case (.end, .receiving(let head, let body)):
            state = .responding
            dispatch(head: head, body: body, context: context)
        case (.end, .discarding(let head)):
            state = .responding
            var response = HTTPServerResponse(status: 413, body: "request body too large\n")
            response.headers.add(name: "Connection", value: "close")
            write(response, keepAlive: false, version: head.version, context: context)
        case (.body, .discarding):
            break
        default:
            // A part out of order means the parser and we disagree; nothing sensible can follow.
            context.close(promise: nil)
        }
    }

    private func dispatch(head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let request = HTTPServerRequest(
            method: head.method.rawValue, target: head.uri,
            headers: HTTPHeaderFields(head.headers.map { (name: $0.name, value: $0.value) }),
            body: body, remoteAddress: context.channel.remoteAddress.map(Self.describe))
        enter(.handling, context: context)
        let promise = context.eventLoop.makePromise(of: HTTPServerResponse.self)
        let handler = self.handler
        let task = Task { promise.succeed(await handler(request)) }
        if cancelsOnDisconnect { inFlight = task }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let keepAlive = head.isKeepAlive
        let version = head.version
        promise.futureResult.whenSuccess { response in
            let (this, context) = bound.value
            switch response.disposition {
            case .respond: this.write(response, keepAlive: keepAlive, version: version, context: context)
            case .dropConnection: context.close(promise: nil)
            }
        }
    }

    private func write(_ response: HTTPServerResponse, keepAlive: Bool, version: HTTPVersion,
                       context: ChannelHandlerContext) {
        let keepOpen = keepAlive && !quiescing
            && !(response.headers["Connection"]?.caseInsensitiveEquals("close") ?? false)
        var headers = HTTPHeaders(response.headers.fields.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        if !keepOpen { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status),
                                    headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        state = .idle
        inFlight = nil
        enter(.idle, context: context)
        if !keepOpen {
            heldBack.removeAll()
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
            return
        }
        while !heldBack.isEmpty {
            if case .responding = state { break }
            process(heldBack.removeFirst(), context: context)
        }
    }

    /// Tells the front of the pipeline which timeout, if any, now applies.
    private func enter(_ phase: ConnectionPhase, context: ChannelHandlerContext) {
        context.triggerUserOutboundEvent(phase, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is QuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        if case .idle = state { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress else { return address.description }
        return address.protocol == .inet6 ? "[\(ip)]:\(address.port ?? 0)" : "\(ip):\(address.port ?? 0)"
    }
}
