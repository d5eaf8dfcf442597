import Foundation

/// One JSON value, as parsed by ``JSONParser``: the normalisers' view of a body.
///
/// It exists so the per-message path does not go through `JSONSerialization`, whose bridging to
/// `NSNumber`/`NSDictionary`/`Any` cost about a tenth of the daemon's CPU, and whose `NSNumber` made
/// `true` and `1` hard to tell apart. Here a boolean is a boolean and a number keeps its literal text.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON object's members in document order.
///
/// A list, not a dictionary: a receipt has about ten keys and is read a dozen times, and scanning ten
/// short strings is cheaper than hashing them (hashing was a third of the parse when this was a
/// `Dictionary`). When a key repeats, the last occurrence wins, as with `JSONSerialization`; RFC 8259
/// leaves duplicates to the implementation and no provider sends them.
///
/// Equality is of documents: same members in the same order, duplicates included.
struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    struct Member: Sendable, Equatable {
        var key: String
        var value: JSONValue
    }

    private(set) var members: [Member]

    init(_ members: [Member]) {
        self.members = members
    }

    init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { Member(key: $0.0, value: $0.1) }
    }

    /// The value of the last member named `key`.
    subscript(key: String) -> JSONValue? {
        members.last(where: { $0.key == key })?.value
    }

    var keys: Set<String> { Set(members.lazy.map(\.key)) }

    /// One member per key (the last of duplicates), in byte order of the keys.
    var sortedUniqueMembers: [Member] {
        var winners: [String: Member] = [:]
        for member in members { winners[member.key] = member }
        return winners.values.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }
}

/// A JSON number kept as the text it was written as, so that reading it as an identifier or an integer
/// is exact: `1234567890123456789` stays those digits although no `Double` can hold them.
///
/// Equality is textual (`1.0` is not `1`); the accessors in ``JSONFields`` compare meanings.
struct JSONNumber: Sendable, Equatable {
    /// The literal exactly as in the document, e.g. `-12.50e3`. The parser guarantees RFC 8259 syntax
    /// and a magnitude a `Double` can hold.
    let literal: String

    init(literal: String) {
        self.literal = literal
    }

    /// The value as a `Double`, rounded like any other JSON reader would round it.
    var doubleValue: Double { Double(literal) ?? .nan }

    /// Decimal text of an integral number, `nil` for anything with a non-zero fraction.
    ///
    /// Without an exponent the answer is read from the digits, so it is exact at any length and
    /// `1234567890.0` gives `1234567890`. With an exponent (`1e3`) the value goes through `Double`
    /// and must stay within ±9e18, which is how the `JSONSerialization` version read every
    /// non-integer literal. `-0` gives `0`.
    var integralText: String? {
        let bytes = literal.utf8
        if bytes.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            let double = doubleValue
            guard double.isFinite, double == double.rounded(), abs(double) < 9.0e18 else { return nil }
            return String(Int64(double))
        }
        guard let point = bytes.firstIndex(of: UInt8(ascii: ".")) else { return Self.unsignedZero(literal) }
        guard bytes[bytes.index(after: point)...].allSatisfy({ $0 == UInt8(ascii: "0") }) else { return nil }
        return Self.unsignedZero(String(decoding: bytes[..<point], as: UTF8.self))
    }

    /// `-0` is zero; an identifier must not depend on the sign a provider put on it.
    private static func unsignedZero(_ digits: String) -> String {
        digits == "-0" ? "0" : digits
    }
}

// MARK: - Writing

extension JSONValue {
    /// Compact UTF-8 JSON text with object keys in byte order (duplicates reduced to the last), so one
    /// value always gives the same bytes.
    ///
    /// Strings are escaped as `JSONSerialization` escapes them (`\"`, `\\`, `\b \f \n \r \t`, other
    /// controls as `\u00xx`, everything else as is, `/` unescaped), so a re-serialised row reads the
    /// same as before this writer existed. Numbers are written as their literal, never re-rounded.
    /// Key order differs from `JSONSerialization`'s case-insensitive, digit-aware `.sortedKeys` only
    /// for keys that differ in case or in digit runs; Alibaba's PascalCase row keys sort the same.
    func serialised() -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return Data(out)
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): out.append(contentsOf: number.literal.utf8)
        case .string(let text): Self.write(string: text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (position, member) in object.sortedUniqueMembers.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(string: member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func write(string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
