import NIOCore
import NIOHTTP1

/// Answers a request the decoder could not accept, then lets the connection close: `431` when the
/// head broke ``HTTPServerConfiguration/maxHeaderBytes`` or ``HTTPServerConfiguration/maxHeaderCount``
/// (the client can tell that its headers, not its syntax, were the problem), `400` for anything else.
///
/// It replaces NIO's `HTTPServerProtocolErrorHandler`, which answers `400` to every parser error,
/// and otherwise behaves the same: it answers only when no response is half written, and passes
/// the error on (``RequestChannelHandler`` closes the connection).
final class ProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let report: (@Sendable (HTTPConnectionEvent) -> Void)?
    private var responseInProgress = false

    init(report: (@Sendable (HTTPConnectionEvent) -> Void)?) {
        self.report = report
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        let tooLarge = parserError == .headerOverflow
        if tooLarge { report?(.headersTooLarge) }
        if !responseInProgress {
            let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
            let status: HTTPResponseStatus = tooLarge ? .requestHeaderFieldsTooLarge : .badRequest
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                          promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: responseInProgress = true  // 1xx heads precede the real one
        case .end: responseInProgress = false
        default: break
        }
        context.write(data, promise: promise)
    }
}
