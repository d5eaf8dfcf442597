import Parsers
import SMSLedgerCore
import AlibabaCloud
import Foundation
import HTTPServing

/// An MNS refusal: status, code and message for the `<Error>` body.
struct MNSFailure: Error {
    var status: Int
    var code: String
    var message: String
    /// Extra response headers (the server's string-to-sign on a signature mismatch, for debugging).
    var headers: [(String, String)] = []

    static let messageNotExist = MNSFailure(status: 404, code: "MessageNotExist", message: "Message not exist.")
    static let queueNotExist = MNSFailure(status: 404, code: "QueueNotExist", message: "The queue name you provided is not exist.")
    static let receiptHandleError = MNSFailure(status: 400, code: "ReceiptHandleError",
                                               message: "The receipt handle you provide is not valid.")
    static let malformedXML = MNSFailure(status: 400, code: "MalformedXML", message: "The XML you provided was not well-formed.")

    static func invalidArgument(_ message: String) -> MNSFailure {
        MNSFailure(status: 400, code: "InvalidArgument", message: message)
    }
}

/// MNS request authentication, in the order the checks are made:
///
/// 1. `Authorization: MNS <id>:<signature>` present, `x-mns-version` present;
/// 2. `Date` (or `x-mns-date`) within the skew tolerance, else **408 `TimeExpired`** (the status in
///    Alibaba's error-code table; the prose of one page says 400, clients should accept both);
/// 3. the key exists, the signature matches the string-to-sign over the raw path and query
///    (absolute-form targets lose only `scheme://authority`);
/// 4. a temporary key carries the `security-token` it was issued with (not signed) and has not
///    expired: otherwise 403 `InvalidAccessKeyId`, which clients treat as "refresh the token";
/// 5. a temporary key may only touch the queue it was issued for (403 `AccessDeniedByRamPolicy`);
/// 6. the queue exists (404 `QueueNotExist`); a `Content-MD5`, when sent, matches the body.
extension EmulatorCore {
    func authenticateMNS(_ request: HTTPServerRequest, queue: String) throws {
        guard let authorization = request.headers["Authorization"], authorization.hasPrefix("MNS "),
              let colon = authorization.firstIndex(of: ":") else {
            throw MNSFailure(status: 403, code: "AccessDenied", message: "The Authorization header is missing or malformed.")
        }
        let accessKeyId = String(authorization[authorization.index(authorization.startIndex, offsetBy: 4)..<colon])
            .trimmingWhitespace()
        let signature = String(authorization[authorization.index(after: colon)...])
        guard request.headers["x-mns-version"] != nil else {
            throw MNSFailure(status: 400, code: "MissingVersionHeader", message: "The x-mns-version header is missing.")
        }
        let dateHeader = request.headers["Date"] ?? ""
        guard let clientDate = EmulatorTime.parseHTTPDate(request.headers["x-mns-date"] ?? dateHeader) else {
            throw MNSFailure(status: 400, code: "InvalidArgument", message: "The Date header is missing or malformed.")
        }
        guard abs(clientDate - Date().epochMillis) <= EpochMillis(configuration.clockSkewTolerance * 1000) else {
            throw MNSFailure(status: 408, code: "TimeExpired",
                             message: "The http request you sent is expired: the Date header is more than 15 minutes off.")
        }
        guard let credential = tokens.credential(for: accessKeyId) else {
            throw MNSFailure(status: 403, code: "InvalidAccessKeyId", message: "The access Id you provided does not exist.")
        }
        let secret: String
        switch credential {
        case .longTerm(let longTermSecret): secret = longTermSecret
        case .temporary(let token): secret = token.accessKeySecret
        }
        let stringToSign = MNSSignature.stringToSign(
            method: request.method, contentMD5: request.headers["Content-MD5"],
            contentType: request.headers["Content-Type"], date: dateHeader,
            headers: request.headers.fields, resource: request.pathAndQuery)
        guard MNSSignature.sign(stringToSign: stringToSign, secret: secret) == signature else {
            throw MNSFailure(status: 403, code: "SignatureDoesNotMatch",
                             message: "The request signature we calculated does not match the signature you provided.",
                             headers: [("x-emulator-string-to-sign", stringToSign.replacingOccurrences(of: "\n", with: "\\n"))])
        }
        if case .temporary(let token) = credential {
            guard request.headers["security-token"] == token.securityToken else {
                throw MNSFailure(status: 403, code: "InvalidAccessKeyId",
                                 message: "The security token you provided is missing or does not belong to this access Id.")
            }
            guard token.expiresAt > Date() else {
                throw MNSFailure(status: 403, code: "InvalidAccessKeyId", message: "The security token you provided has expired.")
            }
            guard token.queueName == queue else {
                throw MNSFailure(status: 403, code: "AccessDeniedByRamPolicy", message: "The request is denied by ram policy.")
            }
        }
        guard broker.exists(queue) else { throw MNSFailure.queueNotExist }
        if let contentMD5 = request.headers["Content-MD5"], !Self.digestMatches(contentMD5, body: request.bodyData) {
            throw MNSFailure(status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified is not valid.")
        }
    }

    /// Accepts both encodings seen in official SDKs: base64 of the hex digest text (Python, Go) and
    /// base64 of the raw 16 bytes (the Go dybaseapi fork, RFC 1864).
    static func digestMatches(_ header: String, body: Data) -> Bool {
        guard let claimed = Data(base64Encoded: header.trimmingWhitespace()) else { return false }
        let lowerHex = MNSSignature.hexMD5(body, uppercase: false)
        switch claimed.count {
        case 16: return Hex.encode(claimed, uppercase: false) == lowerHex
        case 32:
            let text = String(decoding: claimed, as: UTF8.self)
            return text == lowerHex || text == lowerHex.uppercased()
        default: return false
        }
    }

    func mnsError(_ failure: MNSFailure, request: HTTPServerRequest) -> HTTPServerResponse {
        let requestId = Self.mnsRequestId()
        var headers = HTTPHeaderFields([("Content-Type", "text/xml;charset=utf-8"), ("x-mns-request-id", requestId)])
        for (name, value) in failure.headers { headers.add(name: name, value: value) }
        let host = "http://" + (request.headers["Host"] ?? "1943695596114318.mns.cn-hangzhou.aliyuncs.com")
        return HTTPServerResponse(status: failure.status, headers: headers,
                                  body: MNSXML.error(code: failure.code, message: failure.message,
                                                     requestId: requestId, hostId: host))
    }

    static func mnsOK(status: Int, xml: String?) -> HTTPServerResponse {
        var headers = HTTPHeaderFields([("x-mns-request-id", mnsRequestId()), ("x-mns-version", "2015-06-06")])
        guard let xml else { return HTTPServerResponse(status: status, headers: headers) }
        headers.add(name: "Content-Type", value: "text/xml;charset=utf-8")
        return HTTPServerResponse(status: status, headers: headers, body: xml)
    }
}
