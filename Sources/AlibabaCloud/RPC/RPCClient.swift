import Foundation
import Parsers

/// The long-term AccessKey of a RAM user, used to sign RPC calls (Dybaseapi, Dysmsapi).
/// The secret never appears in `description`, `debugDescription` or a `Mirror`.
public struct RPCCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    public var accessKeyId: String
    public var accessKeySecret: String

    public init(accessKeyId: String, accessKeySecret: String) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
    }

    public var description: String { "RPCCredentials(\(accessKeyId))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["accessKeyId": accessKeyId], displayStyle: .struct) }
}

/// A signed Alibaba Cloud RPC (v1, HMAC-SHA1) client for one endpoint, as aliyunsdkcore sends it:
/// POST, every parameter in the query string, an empty body, `Format=JSON`.
///
/// It only knows the envelope: `Code`, `Message`, `RequestId`. A non-2xx answer is a gateway error
/// (throttling, signature, key), an HTTP 200 with `Code` other than `OK` is a business error;
/// both become ``AlibabaError`` via ``ErrorClassification``. The typed clients (``DybaseapiClient``,
/// ``DysmsClient``) read the rest of the answer.
public struct RPCClient: Sendable {
    public var endpoint: String
    public var credentials: RPCCredentials
    public var version: String
    public var regionId: String
    public var timeout: Duration
    /// Told the outcome of every call (metrics); `nil` for none.
    public var observer: (any AlibabaCallObserver)?
    private let transport: any HTTPTransport
    private let now: @Sendable () -> Date
    private let nonce: @Sendable () -> String

    /// - Parameters:
    ///   - endpoint: scheme and host, e.g. `https://dysmsapi.aliyuncs.com` (a trailing `/` is ignored).
    ///   - now, nonce: injectable for tests; `SignatureNonce` must be unique per request.
    public init(endpoint: String, credentials: RPCCredentials, transport: any HTTPTransport,
                version: String = "2017-05-25", regionId: String = "cn-hangzhou", timeout: Duration = .seconds(15),
                now: @escaping @Sendable () -> Date = { Date() },
                nonce: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.credentials = credentials
        self.transport = transport
        self.version = version
        self.regionId = regionId
        self.timeout = timeout
        self.now = now
        self.nonce = nonce
    }

    /// The common parameters aliyunsdkcore adds, plus `parameters`. `SignatureType` is the empty
    /// string the SDK always signs; sending it keeps our requests byte-for-byte comparable with the SDK's.
    public func signedParameters(action: String, parameters: [String: String], at date: Date,
                                 nonce: String) -> [String: String] {
        var all = parameters
        all["Action"] = action
        all["Version"] = version
        all["Format"] = "JSON"
        all["AccessKeyId"] = credentials.accessKeyId
        all["SignatureMethod"] = "HMAC-SHA1"
        all["SignatureVersion"] = "1.0"
        all["SignatureType"] = ""
        all["SignatureNonce"] = nonce
        all["Timestamp"] = RPCSignature.timestamp(date)
        if all["RegionId"] == nil { all["RegionId"] = regionId }
        return all
    }

    /// The signed request, ready for the transport.
    public func request(action: String, parameters: [String: String], at date: Date, nonce: String) -> TransportRequest {
        let all = signedParameters(action: action, parameters: parameters, at: date, nonce: nonce)
        let query = RPCSignature.signedQuery(method: "POST", parameters: all, secret: credentials.accessKeySecret)
        return TransportRequest(method: "POST", url: endpoint + "/?" + query, headers: [
            (name: "Accept", value: "application/json"),
            (name: "x-acs-action", value: action),
            (name: "x-acs-version", value: version),
        ], body: nil)
    }

    /// Calls `action` and returns the top-level JSON object of a successful answer.
    ///
    /// Throws ``AlibabaError``: gateway errors classified by code, `Code != OK` as business (or
    /// configuration for permission codes), unparseable answers as `malformedResponse`.
    public func call(action: String, parameters: [String: String]) async throws -> RPCAnswer {
        let request = request(action: action, parameters: parameters, at: now(), nonce: nonce())
        return try await observer.observing(.rpc, action) {
            let response = try await transport.execute(request, timeout: timeout)
            return try RPCAnswer.interpret(response, secrets: [credentials.accessKeySecret])
        }
    }
}

/// A successful RPC answer: the raw body and its top-level fields.
public struct RPCAnswer: Sendable {
    public var body: Data
    public var requestId: String?

    public init(body: Data, requestId: String?) {
        self.body = body
        self.requestId = requestId
    }

    /// Checks the envelope of an RPC answer. Pure: used by the client and testable with canned answers.
    public static func interpret(_ response: TransportResponse, secrets: [String] = []) throws -> RPCAnswer {
        let object = topLevelObject(response.body)
        let code = object?["Code"]?.stringValue
        let message = object?["Message"]?.stringValue ?? ""
        let requestId = object?["RequestId"]?.stringValue ?? response.header("x-acs-request-id")
        guard (200..<300).contains(response.status) else {
            let kind = ErrorClassification.rpcGatewayKind(httpStatus: response.status, code: code)
            throw AlibabaError(kind: kind, code: code ?? "HTTP\(response.status)",
                               message: code == nil ? "unreadable error answer (\(response.body.count) bytes)" : message,
                               requestId: requestId, httpStatus: response.status).redacting(secrets)
        }
        guard object != nil else {
            throw AlibabaError.malformed("answer is not a JSON object (\(response.body.count) bytes)",
                                         requestId: requestId, httpStatus: response.status)
        }
        if let code, code != "OK" {
            throw AlibabaError(kind: ErrorClassification.rpcBusinessKind(code: code), code: code, message: message,
                               requestId: requestId, httpStatus: response.status).redacting(secrets)
        }
        return RPCAnswer(body: response.body, requestId: requestId)
    }

    /// The top-level object, parsed again on demand by the project's one JSON reader (keeping only the
    /// bytes makes the answer cheap to pass around; a typed client reads it once).
    public func object() throws -> JSONObject {
        guard let object = Self.topLevelObject(body) else {
            throw AlibabaError.malformed("answer is not a JSON object", requestId: requestId)
        }
        return object
    }

    /// The object `body` holds, or `nil` when it is not JSON or not an object.
    private static func topLevelObject(_ body: Data) -> JSONObject? {
        (try? JSONValue.parse(body))?.objectValue
    }
}
