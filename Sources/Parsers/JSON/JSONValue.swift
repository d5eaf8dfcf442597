/// One JSON value, as parsed by ``JSONParser``: the one in-memory form of JSON across the project.
///
/// It exists so the per-message path does not go through `JSONSerialization`, whose bridging to
/// `NSNumber`/`NSDictionary`/`Any` cost about a tenth of the daemon's CPU, and whose `NSNumber` made
/// `true` and `1` hard to tell apart. Here a boolean is a boolean and a number keeps its literal text.
public enum JSONValue: Sendable, Equatable {
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
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init(_ members: [Member]) {
        self.members = members
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { Member(key: $0.0, value: $0.1) }
    }

    /// The value of the last member named `key`.
    public subscript(key: String) -> JSONValue? {
        members.last(where: { $0.key == key })?.value
    }

    public var keys: Set<String> { Set(members.lazy.map(\.key)) }

    /// One member per key (the last of duplicates), in byte order of the keys.
    public var sortedUniqueMembers: [Member] {
        var winners: [String: Member] = [:]
        for member in members { winners[member.key] = member }
        return winners.values.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }
}

/// A JSON number kept as the text it was written as, so that reading it as an identifier or an integer
/// is exact: `1234567890123456789` stays those digits although no `Double` can hold them.
///
/// Equality is textual (`1.0` is not `1`); callers compare meanings through
/// ``doubleValue`` and ``integralText``.
public struct JSONNumber: Sendable, Equatable {
    /// The literal exactly as in the document, e.g. `-12.50e3`. The parser guarantees RFC 8259 syntax
    /// and a magnitude a `Double` can hold.
    public let literal: String

    /// `literal` is trusted to be RFC 8259 number syntax; only the parser and tests make one.
    public init(literal: String) {
        self.literal = literal
    }

    /// The value as a `Double`, rounded like any other JSON reader would round it.
    public var doubleValue: Double { Double(literal) ?? .nan }

    /// Decimal text of an integral number, `nil` for anything with a non-zero fraction.
    ///
    /// Without an exponent the answer is read from the digits, so it is exact at any length and
    /// `1234567890.0` gives `1234567890`. With an exponent (`1e3`) the value goes through `Double`
    /// and must stay within ±9e18, which is how the `JSONSerialization` version read every
    /// non-integer literal. `-0` gives `0`.
    public var integralText: String? {
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

// MARK: - Reading one kind

extension JSONValue {
    /// The text of a string value; `nil` for every other kind (a number is not text here).
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The members of an object value; `nil` for every other kind.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The elements of an array value; `nil` for every other kind.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The number of a number value; `nil` for every other kind.
    public var numberValue: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// Whether the value is `null` (an absent member is not: it is no value at all).
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value reached by following object keys `path` from here (last duplicate wins at each step);
    /// `nil` when a step is missing or not an object. The path that ``parse(_:locating:)`` locates.
    public func value(at path: [String]) -> JSONValue? {
        var current = self
        for key in path {
            guard let next = current.objectValue?[key] else { return nil }
            current = next
        }
        return current
    }
}
