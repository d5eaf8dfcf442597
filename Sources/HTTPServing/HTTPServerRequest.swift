import Parsers
import Foundation
import NIOCore

/// Header fields exactly as received: original names, raw values, original order.
///
/// Lookup is case-insensitive (RFC 9110), but nothing is rewritten, because signature checks (MNS
/// `Content-Type`, `Content-MD5`, `x-mns-*`) must see the bytes the client signed.
public struct HTTPHeaderFields: Sendable, Hashable, Sequence {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    /// The first value for `name`, compared case-insensitively; `nil` when absent.
    public subscript(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Every value for `name`, in arrival order.
    public func values(for name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    public mutating func add(name: String, value: String) {
        fields.append((name, value))
    }

    /// Replaces every field called `name` with one field.
    public mutating func replaceOrAdd(name: String, value: String) {
        fields.removeAll { $0.name.caseInsensitiveEquals(name) }
        fields.append((name, value))
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    public static func == (lhs: HTTPHeaderFields, rhs: HTTPHeaderFields) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }
}

extension String {
    /// ASCII case-insensitive comparison without allocating lower-cased copies.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let lhs = utf8, rhs = other.utf8
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { asciiLower($0) == asciiLower($1) }
    }
}

@inline(__always) private func asciiLower(_ byte: UInt8) -> UInt8 {
    (byte >= 65 && byte <= 90) ? byte + 32 : byte
}

/// One HTTP request as it arrived.
///
/// `target` is the request target exactly as on the request line, origin-form (`/a?b`) or
/// absolute-form (`http://host/a?b`), neither decoded nor normalised: MNS signs the raw path and
/// query, and a `+` in a receipt handle is a plus, not a space.
public struct HTTPServerRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: HTTPHeaderFields
    public var body: ByteBuffer
    /// `ip:port` of the peer, when known.
    public var remoteAddress: String?

    public init(method: String, target: String, headers: HTTPHeaderFields = HTTPHeaderFields(),
                body: ByteBuffer = ByteBuffer(), remoteAddress: String? = nil) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The body as `Data` (a copy).
    public var bodyData: Data { Data(body.readableBytesView) }

    /// The body decoded as UTF-8 (invalid sequences repaired).
    public var bodyText: String { String(decoding: body.readableBytesView, as: UTF8.self) }

    /// Path and query with any absolute-form `scheme://authority` prefix removed, still raw.
    public var pathAndQuery: String { RequestTarget.pathAndQuery(of: target) }

    /// The raw path (before `?`).
    public var path: String { RequestTarget.split(pathAndQuery).path }

    /// The raw query (after the first `?`), or `nil` when the target has no `?`.
    public var query: String? { RequestTarget.split(pathAndQuery).query }
}
