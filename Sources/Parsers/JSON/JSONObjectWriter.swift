/// Writes one JSON object straight into bytes, member by member in the order the caller gives: for a
/// hot path that knows its keys, where building a ``JSONValue`` object and sorting it would cost more
/// than the writing itself (the ledger writer builds a webhook body per event, inside its transaction).
///
/// Listing the keys in byte order gives exactly the bytes ``JSONValue/serialised()`` would give for
/// the same members (same escaping); `JSONValue.parse(w.bytes).serialised() == w.bytes` checks it.
/// An absent (`nil`) value is written as `null`, so every object of one shape has the same keys.
public struct JSONObjectWriter: Sendable {
    private var out: [UInt8]
    private var first = true

    public init(capacity: Int = 512) {
        out = []
        out.reserveCapacity(capacity)
        out.append(UInt8(ascii: "{"))
    }

    public mutating func string(_ key: String, _ value: String?) {
        member(key)
        if let value { JSONValue.write(string: value, into: &out) } else { null() }
    }

    public mutating func int(_ key: String, _ value: Int64?) {
        member(key)
        if let value { out.append(contentsOf: String(value).utf8) } else { null() }
    }

    public mutating func bool(_ key: String, _ value: Bool?) {
        member(key)
        if let value { out.append(contentsOf: (value ? "true" : "false").utf8) } else { null() }
    }

    /// A member whose value is an object finished by another writer.
    public mutating func object(_ key: String, _ value: JSONObjectWriter) {
        member(key)
        out.append(contentsOf: value.bytes)
    }

    /// The object so far, closed: valid JSON whenever it is read.
    public var bytes: [UInt8] { out + [UInt8(ascii: "}")] }

    private mutating func member(_ key: String) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        JSONValue.write(string: key, into: &out)
        out.append(UInt8(ascii: ":"))
    }

    private mutating func null() { out.append(contentsOf: "null".utf8) }
}
