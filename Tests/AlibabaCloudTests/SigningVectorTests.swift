@testable import AlibabaCloud
import Parsers
import Foundation
import Testing

@Suite("MNS signature matches the official SDK vectors")
struct MNSSignatureVectorTests {
    @Test("string-to-sign rebuilt from method, headers and raw path", arguments: try SignatureVectors.load().mns)
    func stringToSign(vector: MNSVector) {
        #expect(Self.rebuiltStringToSign(vector.request.method, vector.request.pathAndQuery, vector) == vector.stringToSign)
    }

    @Test("Authorization equals the SDK's", arguments: try SignatureVectors.load().mns)
    func authorization(vector: MNSVector) {
        let auth = MNSSignature.authorization(accessKeyId: vector.inputs.accessKeyId,
                                              secret: vector.inputs.accessKeySecret,
                                              stringToSign: vector.stringToSign)
        #expect(auth == vector.authorization)
        if let sent = vector.request.header("Authorization") {
            #expect(auth == sent)
        }
    }

    @Test("security-token is sent but never part of the string-to-sign")
    func securityTokenNotSigned() throws {
        let vector = try SignatureVectors.mns("mns_receive_message_waitseconds_sts")
        let token = try #require(vector.inputs.securityToken)
        #expect(vector.request.header("security-token") == token)
        #expect(!vector.stringToSign.contains(token))
    }

    @Test("a percent-encoded receipt handle is signed exactly as sent")
    func percentEncodedHandleVariant() throws {
        let vector = try SignatureVectors.mns("mns_delete_message_special_chars_handle")
        let variant = try #require(vector.variantPercentEncodedHandle)
        let rebuilt = Self.rebuiltStringToSign(vector.request.method, variant.pathAndQuery, vector)
        #expect(rebuilt == variant.stringToSign)
        #expect(MNSSignature.authorization(accessKeyId: vector.inputs.accessKeyId,
                                           secret: vector.inputs.accessKeySecret,
                                           stringToSign: rebuilt) == variant.authorization)
        #expect(variant.authorization != vector.authorization)
    }

    @Test("a long-term key without a token signs and sends no security-token")
    func noTokenVector() throws {
        let vector = try SignatureVectors.mns("mns_receive_message_no_token")
        #expect(vector.request.header("security-token") == nil)
        let request = MNSClient.signedRequest(
            endpoint: "http://mns.example", method: "GET", target: vector.request.pathAndQuery, body: nil,
            date: try vector.signingDate(),
            accessKeyId: vector.inputs.accessKeyId, secret: vector.inputs.accessKeySecret, securityToken: nil)
        #expect(request.header("Authorization") == vector.authorization)
        #expect(request.header("security-token") == nil)
    }

    @Test("Content-MD5 is base64 of the lower-case hex digest, not of the raw bytes")
    func contentMD5Derivation() throws {
        let vector = try SignatureVectors.mns("mns_batch_delete_xml_body_partial_failure")
        let derivation = try #require(vector.contentMd5Derivation)
        let body = Data(vector.request.body.utf8)
        #expect(MNSSignature.hexMD5(body, uppercase: false) == derivation.md5HexLowercase)
        #expect(MNSSignature.contentMD5(body) == derivation.contentMd5Header)
        #expect(vector.request.header("content-md5") == derivation.contentMd5Header)
        let decoded = try #require(Data(base64Encoded: MNSSignature.contentMD5(body)))
        #expect(String(decoding: decoded, as: UTF8.self) == derivation.md5HexLowercase)
    }

    @Test("the client's BatchDeleteMessage request is byte-for-byte the SDK's")
    func clientBatchDeleteMatchesSDK() throws {
        let vector = try SignatureVectors.mns("mns_batch_delete_xml_body_partial_failure")
        let handles = try Self.handles(inBody: vector.request.body)
        let body = MNSDecoding.receiptHandlesBody(handles)
        #expect(String(decoding: body, as: UTF8.self) == vector.request.body)
        let request = MNSClient.signedRequest(
            endpoint: "https://mns.example", method: "DELETE", target: vector.request.pathAndQuery, body: body,
            date: try vector.signingDate(),
            accessKeyId: vector.inputs.accessKeyId, secret: vector.inputs.accessKeySecret,
            securityToken: vector.inputs.securityToken)
        #expect(request.header("Content-MD5") == vector.request.header("content-md5"))
        #expect(request.header("Content-Type") == vector.request.header("content-type"))
        #expect(request.header("Authorization") == vector.authorization)
        #expect(request.header("security-token") == vector.inputs.securityToken)
        #expect(request.url == "https://mns.example" + vector.request.pathAndQuery)
    }

    @Test("the client's receive request is signed like the SDK's")
    func clientReceiveMatchesSDK() throws {
        let vector = try SignatureVectors.mns("mns_batch_receive_empty_queue_404")
        let request = MNSClient.signedRequest(
            endpoint: "https://mns.example", method: "GET", target: vector.request.pathAndQuery, body: nil,
            date: try vector.signingDate(),
            accessKeyId: vector.inputs.accessKeyId, secret: vector.inputs.accessKeySecret,
            securityToken: vector.inputs.securityToken)
        #expect(request.header("Authorization") == vector.authorization)
        #expect(request.header("Date") == vector.request.header("date"))
        #expect(request.header("x-mns-version") == "2015-06-06")
        #expect(request.header("Content-MD5") == nil)
    }

    static func rebuiltStringToSign(_ method: String, _ resource: String, _ vector: MNSVector) -> String {
        let headers = vector.request.headers.map { (name: $0.key, value: $0.value) }
        return MNSSignature.stringToSign(
            method: method, contentMD5: vector.request.header("content-md5"),
            contentType: vector.request.header("content-type"), date: vector.request.header("date") ?? "",
            headers: headers, resource: resource)
    }

    static func handles(inBody body: String) throws -> [ReceiptHandle] {
        let root = try MNSXML.parse(Data(body.utf8))
        return root.children(named: "ReceiptHandle").map { ReceiptHandle($0.text) }
    }
}

@Suite("RPC signature matches the official SDK vectors")
struct RPCSignatureVectorTests {
    @Test("canonicalized query from the sorted parameters", arguments: try SignatureVectors.load().rpc)
    func canonicalizedQuery(vector: RPCVector) throws {
        let expected = try #require(vector.canonicalizedQueryString ?? Self.canonicalFromStringToSign(vector))
        #expect(RPCSignature.canonicalizedQuery(vector.parameters) == expected)
    }

    @Test("string to sign", arguments: try SignatureVectors.load().rpc)
    func stringToSign(vector: RPCVector) {
        #expect(RPCSignature.stringToSign(method: vector.inputs.httpMethod, parameters: vector.parameters)
            == vector.stringToSign)
    }

    @Test("signature", arguments: try SignatureVectors.load().rpc)
    func signature(vector: RPCVector) {
        #expect(RPCSignature.sign(method: vector.inputs.httpMethod, parameters: vector.parameters,
                                  secret: vector.inputs.accessKeySecret) == vector.signature)
    }

    @Test("the client's request carries the SDK's signature",
          arguments: try SignatureVectors.load().rpc.filter { $0.requestUrlPathAndQuery != nil && $0.inputs.httpMethod == "POST" })
    func clientRequestMatchesSDK(vector: RPCVector) throws {
        let common: Set = ["AccessKeyId", "Action", "Format", "RegionId", "SignatureMethod", "SignatureNonce",
                           "SignatureType", "SignatureVersion", "Timestamp", "Version"]
        let all = vector.parameters
        let client = RPCClient(
            endpoint: "https://\(vector.inputs.endpointHost ?? "example")",
            credentials: RPCCredentials(accessKeyId: try #require(vector.inputs.accessKeyId),
                                        accessKeySecret: vector.inputs.accessKeySecret),
            transport: ScriptedTransport([]))
        let date = try vector.signingDate()
        let request = client.request(action: try #require(all["Action"]), parameters: all.filter { !common.contains($0.key) },
                                     at: date, nonce: try #require(vector.inputs.signatureNonce))
        #expect(request.method == "POST")
        #expect(request.body == nil)
        let query = try #require(request.url.split(separator: "?", maxSplits: 1).last)
        let sent = Dictionary(query.split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }, uniquingKeysWith: { first, _ in first })
        #expect(sent["Signature"] == RPCSignature.percentEncode(vector.signature))
        #expect(sent.count == all.count + 1)
    }

    /// The doc example has no canonicalized query in the file; it is the decoded third part of the
    /// string to sign.
    static func canonicalFromStringToSign(_ vector: RPCVector) -> String? {
        vector.stringToSign.split(separator: "&", maxSplits: 2).last.flatMap { String($0).removingPercentEncoding }
    }
}
