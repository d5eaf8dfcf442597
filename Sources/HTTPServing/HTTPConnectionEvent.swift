/// Something the server did to a connection on its own account, not because a handler asked.
///
/// The server reports these through ``HTTPServerConfiguration/connectionEvents`` so its owner can
/// count them (the daemon shows them in `STATUS=`): each one is a client that was cut off, and a
/// steady stream of them is the first sign of a connection flood or a misconfigured client.
public enum HTTPConnectionEvent: Sendable, Hashable {
    /// A new connection was closed at once because ``HTTPServerConfiguration/maxConnections`` were open.
    case refusedOverCap
    /// A connection with no request in progress (a fresh one, or keep-alive between requests) was
    /// closed after ``HTTPServerConfiguration/idleTimeout``.
    case idleTimedOut
    /// A request that had started arriving was not complete within
    /// ``HTTPServerConfiguration/requestTimeout``; it was answered 408 and the connection closed.
    case requestTimedOut
    /// A request head over ``HTTPServerConfiguration/maxHeaderBytes`` or
    /// ``HTTPServerConfiguration/maxHeaderCount`` was answered 431 and the connection closed.
    case headersTooLarge
}

/// Where a connection is in its request cycle, told by ``RequestChannelHandler`` to the
/// ``ConnectionDeadlineHandler`` at the front of the pipeline as an outbound user event.
///
/// Only the request handler knows when a request is complete and when its answer is written; only
/// the front of the pipeline sees the first raw byte of a request. The event joins the two.
enum ConnectionPhase: Sendable, Hashable {
    /// No request in progress: the idle timeout runs.
    case idle
    /// A request is arriving: the request timeout runs, from its first byte.
    case reading
    /// A complete request is with its handler (a long poll, a commit): no timeout runs, because a
    /// slow handler is the server's business, not a misbehaving client.
    case handling
}
