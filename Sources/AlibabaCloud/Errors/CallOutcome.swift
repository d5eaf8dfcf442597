/// What became of one call to an Alibaba API, as metrics count it: the class an operator acts on,
/// coarser than ``AlibabaError/Kind`` (which is about what the caller should do next).
///
/// | outcome     | meaning                                                              |
/// |-------------|----------------------------------------------------------------------|
/// | `ok`        | answered (an empty long poll is `ok`)                                |
/// | `throttled` | `Throttling*`, `QpsLimitExceeded`, `TooManyRequests`, HTTP 429       |
/// | `auth`      | credentials, token, signature or permission refused                 |
/// | `network`   | timeout, refused or reset connection, transport failure             |
/// | `server`    | 5xx, `InternalError`, `ServiceUnavailable`, an unreadable answer    |
/// | `client`    | anything else the service refused (bad input, a business code)      |
public enum AlibabaCallOutcome: String, Sendable, CaseIterable {
    case ok, throttled, auth, network, server, client

    /// The outcome of a failed call; `nil` for a cancellation, which says nothing about the service.
    public init?(failure error: any Error) {
        if error is CancellationError { return nil }
        guard let error = error as? AlibabaError else {
            self = .network
            return
        }
        let code = error.code
        if ErrorClassification.isThrottling(code) || error.httpStatus == 429 {
            self = .throttled
        } else if [AlibabaError.Code.timeout, AlibabaError.Code.connectionRefused, AlibabaError.Code.connectionReset,
                   AlibabaError.Code.transport].contains(code) {
            self = .network
        } else if error.kind == .authentication || error.httpStatus == 401 || error.httpStatus == 403
                    || Self.authPrefixes.contains(where: { code.hasPrefix($0) }) {
            self = .auth
        } else if error.kind == .malformedResponse || (error.httpStatus ?? 0) >= 500
                    || code.hasPrefix("Internal") || code == "ServiceUnavailable" {
            self = .server
        } else {
            self = .client
        }
    }

    static let authPrefixes = ["SignatureDoesNotMatch", "InvalidAccessKeyId", "IncompleteSignature",
                               "AccessDenied", "isp.RAM_PERMISSION_DENY", "NoPermission", "Forbidden"]
}

/// Which API a call went to.
public enum AlibabaAPI: String, Sendable, Hashable {
    case mns, rpc
}

/// Told about every call the MNS and RPC clients make (the daemon's metrics). Must return at once.
public protocol AlibabaCallObserver: Sendable {
    func called(_ api: AlibabaAPI, operation: String, outcome: AlibabaCallOutcome)
}

extension Optional where Wrapped == any AlibabaCallObserver {
    /// Runs `body` and reports its outcome under `operation`, then returns or rethrows.
    func observing<T>(_ api: AlibabaAPI, _ operation: String, _ body: () async throws -> T) async throws -> T {
        guard let observer = self else { return try await body() }
        do {
            let value = try await body()
            observer.called(api, operation: operation, outcome: .ok)
            return value
        } catch {
            if let outcome = AlibabaCallOutcome(failure: error) { observer.called(api, operation: operation, outcome: outcome) }
            throw error
        }
    }
}
