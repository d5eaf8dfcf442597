import AlibabaCloud
import Foundation
import Testing

/// `Fixtures/alibaba-signature-vectors.json`, produced by the official Python SDKs (see the file's
/// `_meta`). Loaded at test time so the expectations are the SDK's, never retyped by hand.
struct SignatureVectors: Decodable, Sendable {
    var mns: [MNSVector]
    var rpc: [RPCVector]

    static func load() throws -> SignatureVectors {
        guard let url = Bundle.module.url(forResource: "alibaba-signature-vectors", withExtension: "json",
                                          subdirectory: "Fixtures") else {
            throw FixtureMissing()
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(SignatureVectors.self, from: Data(contentsOf: url))
    }

    static func mns(_ name: String) throws -> MNSVector {
        try #require(try load().mns.first { $0.name == name })
    }

    static func rpc(_ name: String) throws -> RPCVector {
        try #require(try load().rpc.first { $0.name == name })
    }

    struct FixtureMissing: Error {}
}

struct MNSVector: Decodable, Sendable, CustomTestStringConvertible {
    struct Inputs: Decodable, Sendable {
        var accessKeyId: String
        var accessKeySecret: String
        var securityToken: String?
        var date: String?
    }

    struct Request: Decodable, Sendable {
        var method: String
        var pathAndQuery: String
        var headers: [String: String]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    struct Canned: Decodable, Sendable {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    struct Variant: Decodable, Sendable {
        var pathAndQuery: String
        var stringToSign: String
        var authorization: String
    }

    struct ContentMD5Derivation: Decodable, Sendable {
        var md5HexLowercase: String
        var contentMd5Header: String
    }

    var name: String
    var inputs: Inputs
    var request: Request
    var stringToSign: String
    var authorization: String
    var cannedResponse: Canned?
    var variantPercentEncodedHandle: Variant?
    var contentMd5Derivation: ContentMD5Derivation?

    var testDescription: String { name }

    /// The answer as a transport would return it.
    var cannedTransportResponse: TransportResponseFixture? {
        cannedResponse.map { TransportResponseFixture(status: $0.status, headers: $0.headers, body: $0.body) }
    }
}

struct TransportResponseFixture: Sendable {
    var status: Int
    var headers: [String: String]
    var body: String
}

struct RPCVector: Decodable, Sendable, CustomTestStringConvertible {
    struct Inputs: Decodable, Sendable {
        var accessKeyId: String?
        var accessKeySecret: String
        var httpMethod: String
        var endpointHost: String?
        var timestamp: String?
        var signatureNonce: String?
    }

    var name: String
    var inputs: Inputs
    var signedParametersSorted: [[String]]
    var canonicalizedQueryString: String?
    var stringToSign: String
    var signature: String
    var requestUrlPathAndQuery: String?

    var testDescription: String { name }

    var parameters: [String: String] {
        Dictionary(signedParametersSorted.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil },
                   uniquingKeysWith: { first, _ in first })
    }
}

extension MNSVector {
    /// The fixed `Date` the SDK signed with.
    func signingDate() throws -> Date {
        let text = try #require(inputs.date)
        return try #require(MNSSignature.parseHTTPDate(text))
    }

    /// The canned answer's body bytes.
    func cannedBody() throws -> Data {
        let canned = try #require(cannedResponse)
        return Data(canned.body.utf8)
    }
}

extension RPCVector {
    func signingDate() throws -> Date {
        let text = try #require(inputs.timestamp)
        return try #require(ISO8601DateFormatter().date(from: text))
    }
}
