import Foundation
import NIOCore

/// What a handler answers: a status, headers and a body, or an instruction to drop the connection.
public struct HTTPServerResponse: Sendable {
    public enum Disposition: Sendable, Hashable {
        /// Send the response.
        case respond
        /// Close the connection without writing anything, as a crashed or reset peer would. Used by
        /// fault injection; the client sees a reset or an empty reply.
        case dropConnection
    }

    public var status: Int
    public var headers: HTTPHeaderFields
    public var body: ByteBuffer
    public var disposition: Disposition

    public init(status: Int, headers: HTTPHeaderFields = HTTPHeaderFields(), body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
        self.disposition = .respond
    }

    public init(status: Int, headers: HTTPHeaderFields = HTTPHeaderFields(), body: String) {
        self.init(status: status, headers: headers, body: ByteBuffer(string: body))
    }

    public init(status: Int, headers: HTTPHeaderFields = HTTPHeaderFields(), body: some Sequence<UInt8>) {
        self.init(status: status, headers: headers, body: ByteBuffer(bytes: body))
    }

    /// A response that closes the connection without an answer.
    public static var dropConnection: HTTPServerResponse {
        var response = HTTPServerResponse(status: 500)
        response.disposition = .dropConnection
        return response
    }

    /// The body decoded as UTF-8; convenient in tests.
    public var bodyText: String { String(decoding: body.readableBytesView, as: UTF8.self) }
}

/// The async function that turns a request into a response. It must not throw: map failures to a
/// status code where the protocol knows what they mean.
public typealias HTTPRequestHandler = @Sendable (HTTPServerRequest) async -> HTTPServerResponse
