import Foundation
import HTTPServing
import SMSLedgerCore

/// Which endpoint a request is for. Pure, so the routing table is tested without a socket.
///
/// | path                               | method | route                |
/// |------------------------------------|--------|----------------------|
/// | `/healthz`                         | GET    | ``healthz``          |
/// | `/v1/sends`                        | POST   | ``recordSends``      |
/// | `http.telesign_callback_path`      | POST   | ``teleSignCallback`` |
/// | `<alibaba_push.path_prefix>/<token>/SmsReport`, `.../SmsUp` | POST | ``alibabaPush(_:)`` |
/// | `/metrics` (when `metrics.listen = "listener"`) | GET | ``metrics``           |
///
/// A known path with another method is ``methodNotAllowed(allow:)`` (405 with `Allow`); anything else
/// is ``notFound``. Paths match exactly and without their query, so `/v1/sends/` is not `/v1/sends`.
enum ListenerRoute: Equatable {
    case healthz
    case recordSends
    case teleSignCallback
    /// An Alibaba HTTP push of this message type (the paths exist only while push is enabled).
    case alibabaPush(MessageKind)
    /// The Prometheus exposition, when metrics are served on the listener.
    case metrics
    case methodNotAllowed(allow: String)
    case notFound

    static let healthzPath = "/healthz"
    static let sendsPath = "/v1/sends"
    static let metricsPath = "/metrics"

    /// - Parameter pushPaths: the Alibaba push path of each message type; empty while push is off.
    /// - Parameter servesMetrics: whether `/metrics` is a route here.
    static func resolve(method: String, path: String, callbackPath: String,
                        pushPaths: [String: MessageKind] = [:], servesMetrics: Bool = false) -> ListenerRoute {
        if let kind = pushPaths[path] {
            return method == "POST" ? .alibabaPush(kind) : .methodNotAllowed(allow: "POST")
        }
        switch path {
        case healthzPath:
            return method == "GET" ? .healthz : .methodNotAllowed(allow: "GET")
        case sendsPath:
            return method == "POST" ? .recordSends : .methodNotAllowed(allow: "POST")
        case callbackPath:
            return method == "POST" ? .teleSignCallback : .methodNotAllowed(allow: "POST")
        case metricsPath where servesMetrics:
            return method == "GET" ? .metrics : .methodNotAllowed(allow: "GET")
        default:
            return .notFound
        }
    }
}

/// The JSON answers the listener gives. Errors are always `{"error": "...", "field": "..."}` with
/// `field` only when one field is at fault, so clients can show or log them without guessing.
extension ListenerRoute {
    /// The `route` label of `smsledger_http_requests_total`: a bounded set, never the raw path.
    var metricLabel: String {
        switch self {
        case .healthz: "healthz"
        case .recordSends: "sends"
        case .teleSignCallback: "telesign_callback"
        case .alibabaPush: "alibaba_push"
        case .metrics: "metrics"
        case .methodNotAllowed, .notFound: "none"
        }
    }
}

enum ListenerResponse {
    /// How long a caller should wait before retrying after the store could not commit.
    static let retryAfterSeconds = 5

    static func json(_ status: Int, _ object: [String: Any], headers: [(String, String)] = []) -> HTTPServerResponse {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var fields = HTTPHeaderFields([(name: "Content-Type", value: "application/json")])
        for (name, value) in headers { fields.add(name: name, value: value) }
        return HTTPServerResponse(status: status, headers: fields, body: body + Data("\n".utf8))
    }

    static func error(_ status: Int, _ message: String, field: String? = nil,
                      headers: [(String, String)] = []) -> HTTPServerResponse {
        var object: [String: Any] = ["error": message]
        if let field, !field.isEmpty { object["field"] = field }
        return json(status, object, headers: headers)
    }

    static func tooLarge(limit: Int) -> HTTPServerResponse {
        error(413, "request body is larger than \(limit) bytes")
    }

    /// 503 with `Retry-After`: nothing was stored, the same request may succeed shortly.
    static func storeUnavailable() -> HTTPServerResponse {
        error(503, "the ledger cannot store this right now; retry later",
              headers: [("Retry-After", String(retryAfterSeconds))])
    }
}
