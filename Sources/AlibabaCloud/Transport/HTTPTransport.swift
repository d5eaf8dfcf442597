import Foundation

/// One HTTP request as the clients build it: already signed, nothing left to compute.
///
/// `url` is the full URL with the query text **exactly as signed** (MNS signs the raw request
/// target, so a transport must not re-encode it).
public struct TransportRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first header with this name, compared case-insensitively (ASCII: header names are tokens).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// Path and query (`/queues/q/messages?waitseconds=30`), for logs and tests.
    public var requestTarget: String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        guard let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        let target = String(afterScheme[slash...])
        return target.hasPrefix("?") ? "/" + target : target
    }
}

/// One HTTP answer, whatever its status. Non-2xx statuses are data here; the clients classify them.
public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }
}

/// The seam between the Alibaba clients and the network.
///
/// Production uses ``AsyncHTTPClientTransport``; tests script answers. An implementation returns
/// every HTTP answer (including 4xx/5xx) as a ``TransportResponse`` and throws only when no answer
/// arrived: then it throws an ``AlibabaError`` of kind `.transient` (timeouts, resets, refused
/// connections) or rethrows `CancellationError`.
public protocol HTTPTransport: Sendable {
    /// Sends the request and waits at most `timeout` for the whole answer.
    func execute(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse
}

extension Duration {
    /// Whole nanoseconds, saturating; for APIs that take integers.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1_000_000_000 else { return .max }
        return max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    var secondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
