/// Helpers over raw HTTP request targets (the request line's second word): pure string work on
/// untrusted input, so it lives with the other parsers and is fuzzed with them (Fuzz/httptarget).
/// Nothing here rejects input: a malformed escape is kept literally, and every function is total.
public enum RequestTarget {
    /// Strips `scheme://authority` from an absolute-form target; returns origin-form targets as they are.
    public static func pathAndQuery(of target: String) -> String {
        guard !target.hasPrefix("/"), let afterScheme = Self.end(of: "://", in: target) else { return target }
        let afterAuthority = target[afterScheme...]
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

    /// The index just past the first occurrence of `needle` in `text`, without Foundation.
    private static func end(of needle: String, in text: String) -> String.Index? {
        var index = text.startIndex
        while index < text.endIndex {
            if text[index...].hasPrefix(needle) { return text.index(index, offsetBy: needle.count) }
            index = text.index(after: index)
        }
        return nil
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
