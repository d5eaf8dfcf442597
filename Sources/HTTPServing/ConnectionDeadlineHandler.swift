import NIOCore

/// Closes connections that hold a descriptor without making progress: the idle timeout for a
/// connection with no request in progress (including a fresh one that never sends a byte), and the
/// request timeout for a request still arriving after its first byte (headers and body alike, so
/// a client sending one byte a second is cut as surely as one sending nothing).
///
/// It sits first in the pipeline because only there is the first raw byte of a request visible;
/// the HTTP decoder says nothing until a whole head is parsed. ``RequestChannelHandler`` tells it
/// when a request is complete and when its answer is written, with ``ConnectionPhase`` outbound
/// events. While a request is with its handler no timeout runs: a 30 s MNS long poll or a slow
/// commit is the server's own work and must not be cut.
///
/// A request timeout is answered `408` before closing, written raw because the encoder sits behind
/// this handler; nothing else can be on the wire then, since the previous answer was complete. An
/// idle timeout just closes, as RFC 9112 §9.5 allows for a connection with no request.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private static let timeoutAnswer = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

    private let idleTimeout: TimeAmount?
    private let requestTimeout: TimeAmount?
    private let report: (@Sendable (HTTPConnectionEvent) -> Void)?
    private var phase = ConnectionPhase.idle
    private var deadline: Scheduled<Void>?
    private var armed = false

    init(idleTimeout: TimeAmount?, requestTimeout: TimeAmount?, report: (@Sendable (HTTPConnectionEvent) -> Void)?) {
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.report = report
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startClock(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startClock(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The first byte after an idle spell starts a request; bytes arriving while a request is
        // handled are a pipelined next request, timed once the handler tells us it is answered.
        if phase == .idle { enter(.reading, context: context) }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let next = event as? ConnectionPhase else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        // `.reading` while already reading keeps the request's original deadline: it runs from the first byte.
        if next != phase { enter(next, context: context) }
        promise?.succeed(())
    }

    private func startClock(context: ChannelHandlerContext) {
        guard !armed else { return }
        armed = true
        enter(.idle, context: context)
    }

    private func enter(_ next: ConnectionPhase, context: ChannelHandlerContext) {
        cancelDeadline()
        phase = next
        let limit: TimeAmount? = switch next {
        case .idle: idleTimeout
        case .reading: requestTimeout
        case .handling: nil
        }
        guard let limit else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: limit) { [self] in
            expire(next, context: context)
        }
    }

    private func expire(_ expired: ConnectionPhase, context: ChannelHandlerContext) {
        deadline = nil
        guard expired == phase, context.channel.isActive else { return }
        if expired == .reading {
            report?(.requestTimedOut)
            let answer = context.channel.allocator.buffer(string: Self.timeoutAnswer)
            context.writeAndFlush(wrapOutboundOut(.byteBuffer(answer)), promise: nil)
        } else {
            report?(.idleTimedOut)
        }
        context.close(promise: nil)
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}
