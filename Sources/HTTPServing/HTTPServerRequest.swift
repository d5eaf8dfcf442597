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

/// Helpers over raw request targets.
public enum RequestTarget {
    /// Strips `scheme://authority` from an absolute-form target; returns origin-form targets as they are.
    public static func pathAndQuery(of target: String) -> String {
        guard !target.hasPrefix("/"), let schemeEnd = target.range(of: "://") else { return target }
        let afterAuthority = target[schemeEnd.upperBound...]
        guard let slash = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        let rest = String(afterAuthority[slash...])
        return rest.hasPrefix("?") ? "/" + rest : rest
    }

    /// Splits `path?query` at the first `?`.
    public static func split(_ pathAndQuery: String) -> (path: String, query: String?) {
        guard let mark = pathAndQuery.firstIndex(of: "?") else { return (pathAndQuery, nil) }
        return (String(pathAndQuery[..<mark]), String(pathAndQuery[pathAndQuery.index(after: mark)...]))
    }

    /// Splits a query (or form body) into name/value pairs in order, percent-decoding both.
    ///
    /// `plusIsSpace` follows `application/x-www-form-urlencoded`; pass `false` where a `+` must stay
    /// a plus (MNS receipt handles). Malformed escapes are kept literally rather than rejected.
    public static func parameters(_ query: String, plusIsSpace: Bool) -> [(name: String, value: String)] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (percentDecode(pair[..<equals], plusIsSpace: plusIsSpace),
                        percentDecode(pair[pair.index(after: equals)...], plusIsSpace: plusIsSpace))
            }
            return (percentDecode(pair, plusIsSpace: plusIsSpace), "")
        }
    }

    /// Decodes `%XX` escapes (and optionally `+`) as UTF-8.
    public static func percentDecode<S: StringProtocol>(_ text: S, plusIsSpace: Bool) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "%")) || (plusIsSpace && bytes.contains(UInt8(ascii: "+"))) else {
            return String(text)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
                continue
            }
            out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
