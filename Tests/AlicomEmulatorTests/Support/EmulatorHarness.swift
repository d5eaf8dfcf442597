import RawHTTPClient
import AlibabaCloud
import AlicomEmulator
import Foundation

/// Signing credentials for MNS calls: the long-term pair or an issued token.
struct MNSCredentials: Sendable {
    var id: String
    var secret: String
    var token: String?
}

/// A running emulator plus signed-request helpers built on the production signing code.
struct EmulatorHarness: Sendable {
    static let keyId = "LTAI5tTestKeyId"
    static let secret = "TestSecretKey0123456789abcdef"

    let emulator: AlicomEmulator
    let port: Int

    var reportQueue: String { emulator.smsReportQueue }
    var upQueue: String { emulator.smsUpQueue }
    var longTerm: MNSCredentials { MNSCredentials(id: Self.keyId, secret: Self.secret) }

    /// Starts an emulator, runs `body`, and always shuts the emulator down.
    static func with<T: Sendable>(_ configure: (inout EmulatorConfiguration) -> Void = { _ in },
                                  _ body: (EmulatorHarness) async throws -> T) async throws -> T {
        var configuration = EmulatorConfiguration(accessKeyId: keyId, accessKeySecret: secret, randomSeed: 42)
        configure(&configuration)
        let emulator = AlicomEmulator(configuration: configuration)
        let harness = EmulatorHarness(emulator: emulator, port: try await emulator.start())
        do {
            let result = try await body(harness)
            await emulator.shutdown()
            return result
        } catch {
            await emulator.shutdown()
            throw error
        }
    }

    // MARK: RPC

    /// A signed RPC call with the common parameters aliyunsdkcore adds.
    func rpc(_ action: String, _ parameters: [String: String] = [:], method: String = "POST",
             secret: String = EmulatorHarness.secret, accessKeyId: String = EmulatorHarness.keyId,
             timestamp: Date = Date(), nonce: String = UUID().uuidString, format: String = "JSON",
             inFormBody: Bool = false) async throws -> RawResponse {
        var all = parameters
        all["Action"] = action
        all["Version"] = "2017-05-25"
        all["Format"] = format
        all["AccessKeyId"] = accessKeyId
        all["SignatureMethod"] = "HMAC-SHA1"
        all["SignatureVersion"] = "1.0"
        all["SignatureNonce"] = nonce
        all["Timestamp"] = RPCSignature.timestamp(timestamp)
        all["RegionId"] = "cn-hangzhou"
        all["SignatureType"] = ""
        let query = RPCSignature.signedQuery(method: method, parameters: all, secret: secret)
        if inFormBody {
            return try await RawHTTP.send(port: port, method: method, target: "/",
                                          headers: [("Content-Type", "application/x-www-form-urlencoded")], body: query)
        }
        return try await RawHTTP.send(port: port, method: method, target: "/?" + query)
    }

    func rpcJSON(_ action: String, _ parameters: [String: String] = [:]) async throws -> [String: Any] {
        let response = try await rpc(action, parameters)
        return (try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]) ?? [:]
    }

    /// QueryTokenForMnsQueue for `messageType`, as credentials.
    func token(_ messageType: String = "SmsReport") async throws -> MNSCredentials {
        let answer = try await rpcJSON("QueryTokenForMnsQueue", ["MessageType": messageType])
        let dto = answer["MessageTokenDTO"] as? [String: String] ?? [:]
        return MNSCredentials(id: dto["AccessKeyId"] ?? "", secret: dto["AccessKeySecret"] ?? "",
                              token: dto["SecurityToken"])
    }

    // MARK: MNS

    /// A signed MNS request; `absoluteForm` sends `http://host/...` on the request line as the
    /// bundled dybaseapi client does, signing only path and query.
    func mns(_ method: String, _ pathAndQuery: String, _ credentials: MNSCredentials, body: String = "",
             absoluteForm: Bool = false, date: Date = Date(), sendToken: Bool = true,
             tokenOverride: String? = nil, contentMD5: String? = nil) async throws -> RawResponse {
        let headers = mnsHeaders(method, pathAndQuery, credentials, body: body, date: date, sendToken: sendToken,
                                 tokenOverride: tokenOverride, contentMD5: contentMD5)
        let target = absoluteForm ? "http://127.0.0.1:\(port)" + pathAndQuery : pathAndQuery
        return try await RawHTTP.send(port: port, method: method, target: target, headers: headers, body: body)
    }

    /// The signed headers of an MNS request, for tests that write the request themselves.
    func mnsHeaders(_ method: String, _ pathAndQuery: String, _ credentials: MNSCredentials, body: String = "",
                    date: Date = Date(), sendToken: Bool = true, tokenOverride: String? = nil,
                    contentMD5 chosenMD5: String? = nil) -> [(String, String)] {
        let httpDate = MNSSignature.httpDate(date)
        let contentType = body.isEmpty ? nil : "text/xml;charset=UTF-8"
        // A test may send a Content-MD5 of its own choosing (signed like any other).
        let contentMD5 = body.isEmpty ? nil : chosenMD5 ?? MNSSignature.contentMD5(Data(body.utf8))
        var headers: [(String, String)] = [("x-mns-version", "2015-06-06"), ("date", httpDate)]
        if let contentType, let contentMD5 {
            headers += [("content-type", contentType), ("content-md5", contentMD5)]
        }
        let stringToSign = MNSSignature.stringToSign(
            method: method, contentMD5: contentMD5, contentType: contentType, date: httpDate,
            headers: headers.map { (name: $0.0, value: $0.1) }, resource: pathAndQuery)
        headers.append(("Authorization", MNSSignature.authorization(
            accessKeyId: credentials.id, secret: credentials.secret, stringToSign: stringToSign)))
        if sendToken, let token = tokenOverride ?? credentials.token { headers.append(("security-token", token)) }
        return headers
    }

    func receive(_ queue: String, count: Int? = 16, wait: Int = 0, _ credentials: MNSCredentials) async throws -> RawResponse {
        let query = (count.map { "numOfMessages=\($0)&" } ?? "") + "waitseconds=\(wait)"
        return try await mns("GET", "/queues/\(queue)/messages?\(query)", credentials)
    }

    func delete(_ queue: String, handle: String, _ credentials: MNSCredentials) async throws -> RawResponse {
        try await mns("DELETE", "/queues/\(queue)/messages?ReceiptHandle=\(handle)", credentials)
    }
}

/// Text of every `<tag>` element in `xml`, in order (test-side parsing of known, flat bodies).
func xmlValues(_ tag: String, in xml: String) -> [String] {
    var values: [String] = []
    var rest = Substring(xml)
    while let open = rest.range(of: "<\(tag)>"), let close = rest.range(of: "</\(tag)>", range: open.upperBound..<rest.endIndex) {
        values.append(String(rest[open.upperBound..<close.lowerBound]))
        rest = rest[close.upperBound...]
    }
    return values
}

func jsonObject(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
}
