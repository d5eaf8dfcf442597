import Parsers
import AlibabaCloud
import Foundation
import HTTPServing

/// An RPC gateway refusal: a non-2xx answer with the gateway's error body.
struct RPCFailure: Error {
    var status: Int
    var code: String
    var message: String

    static func missing(_ name: String) -> RPCFailure {
        RPCFailure(status: 400, code: "Missing\(name)", message: "\(name) is mandatory for this action.")
    }
}

/// One verified RPC call: merged parameters and how to answer.
struct RPCCall {
    var parameters: [String: String]
    var wantsXML: Bool
    var action: String { parameters["Action"] ?? "" }
}

/// The RPC (Dybaseapi, Dysmsapi) side: parameter merging, signature v1 checks, dispatch, errors.
extension EmulatorCore {
    func handleRPC(_ request: HTTPServerRequest) -> HTTPServerResponse {
        let parameters = Self.rpcParameters(request)
        let call = RPCCall(parameters: parameters, wantsXML: parameters["Format"]?.uppercased() == "XML")
        do {
            try verifyRPC(method: request.method, parameters: parameters)
            let body: WireValue
            switch call.action {
            case "QueryTokenForMnsQueue": body = try queryTokenForMnsQueue(call)
            case "SendSms": body = try sendSmsAction(call)
            case "QuerySendDetails": body = try querySendDetailsAction(call)
            default:
                throw RPCFailure(status: 404, code: "InvalidAction.NotFound",
                                 message: "Specified api is not found, please check your url and method.")
            }
            return Self.rpcResponse(status: 200, body: body, call: call)
        } catch let failure as RPCFailure {
            return rpcError(failure, call: call)
        } catch {
            return rpcError(RPCFailure(status: 500, code: "InternalError", message: "\(error)"), call: call)
        }
    }

    /// Query and `application/x-www-form-urlencoded` body merged (body wins), `Signature` kept.
    static func rpcParameters(_ request: HTTPServerRequest) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in RequestTarget.parameters(request.query ?? "", plusIsSpace: true) {
            parameters[name] = value
        }
        let contentType = request.headers["Content-Type"]?.lowercased() ?? ""
        if contentType.contains("application/x-www-form-urlencoded"), request.body.readableBytes > 0 {
            for (name, value) in RequestTarget.parameters(request.bodyText, plusIsSpace: true) {
                parameters[name] = value
            }
        }
        return parameters
    }

    /// Checks what the gateway checks, in its order: presence, timestamp, key, signature, nonce.
    private func verifyRPC(method: String, parameters: [String: String]) throws {
        guard let signature = parameters["Signature"] else { throw RPCFailure.missing("Signature") }
        guard let accessKeyId = parameters["AccessKeyId"] else { throw RPCFailure.missing("AccessKeyId") }
        guard let timestamp = parameters["Timestamp"] else { throw RPCFailure.missing("Timestamp") }
        guard let nonce = parameters["SignatureNonce"] else { throw RPCFailure.missing("SignatureNonce") }
        if let algorithm = parameters["SignatureMethod"], algorithm != "HMAC-SHA1" {
            throw RPCFailure(status: 400, code: "InvalidSignatureMethod",
                             message: "Specified signature method is not supported.")
        }
        guard let sentAt = EmulatorTime.parseRPCTimestamp(timestamp) else {
            throw RPCFailure(status: 400, code: "InvalidTimeStamp.Format",
                             message: "Specified time stamp or date value is not well formatted.")
        }
        let now = Date().epochMillis
        if abs(now - sentAt) > EpochMillis(configuration.clockSkewTolerance * 1000) {
            throw RPCFailure(status: 400, code: "InvalidTimeStamp.Expired",
                             message: "Specified time stamp or date value is expired.")
        }
        guard accessKeyId == configuration.accessKeyId else {
            throw RPCFailure(status: 404, code: "InvalidAccessKeyId.NotFound",
                             message: "Specified access key is not found.")
        }
        var signed = parameters
        signed["Signature"] = nil
        let expected = RPCSignature.sign(method: method, parameters: signed, secret: configuration.accessKeySecret)
        guard expected == signature else {
            // aliyunsdkcore splits the message at ':' and compares the second part with its own
            // string-to-sign, to tell a wrong secret from a signing bug.
            let stringToSign = RPCSignature.stringToSign(method: method, parameters: signed)
            throw RPCFailure(status: 400, code: "SignatureDoesNotMatch",
                             message: "Specified signature is not matched with our calculation. server string to sign is:\(stringToSign)")
        }
        guard nonces.claim(nonce, now: now) else {
            throw RPCFailure(status: 400, code: "SignatureNonceUsed", message: "Specified signature nonce was used already.")
        }
        if let version = parameters["Version"], version != "2017-05-25" {
            throw RPCFailure(status: 400, code: "InvalidVersion", message: "Specified parameter Version is not valid.")
        }
    }

    func rpcError(_ failure: RPCFailure, call: RPCCall) -> HTTPServerResponse {
        let product = call.action == "QueryTokenForMnsQueue" ? "Dybaseapi" : "Dysmsapi"
        let body = WireValue.object([
            ("RequestId", .string(UUID().uuidString)),
            ("HostId", .string("\(product.lowercased()).aliyuncs.com")),
            ("Code", .string(failure.code)),
            ("Message", .string(failure.message)),
            ("Recommend", .string("https://api.aliyun.com/troubleshoot?q=\(failure.code)&product=\(product)")),
        ])
        return Self.rpcResponse(status: failure.status, body: body, call: call, root: "Error")
    }

    static func rpcResponse(status: Int, body: WireValue, call: RPCCall, root: String? = nil) -> HTTPServerResponse {
        var headers = HTTPHeaderFields()
        if call.wantsXML {
            headers.add(name: "Content-Type", value: "text/xml;charset=utf-8")
            return HTTPServerResponse(status: status, headers: headers,
                                      body: body.xml(root: root ?? "\(call.action)Response"))
        }
        headers.add(name: "Content-Type", value: "application/json;charset=utf-8")
        return HTTPServerResponse(status: status, headers: headers, body: body.json())
    }

    /// A business answer: HTTP 200 with `Code` other than `OK`.
    static func businessError(code: String, message: String) -> WireValue {
        .object([("RequestId", .string(UUID().uuidString)), ("Code", .string(code)), ("Message", .string(message))])
    }
}
