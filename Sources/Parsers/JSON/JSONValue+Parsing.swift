extension JSONValue {
    /// Why bytes are not a JSON document: broken UTF-8 (checked over the whole input first, so it wins
    /// over any syntax error), or a syntax error at a byte offset.
    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case invalidUTF8
        /// `message` names the problem ("unexpected '}'"); `offset` counts bytes from the start of the
        /// input, a byte-order mark included.
        case syntax(String, offset: Int)

        public var description: String {
            switch self {
            case .invalidUTF8: return "not valid UTF-8"
            case .syntax(let message, let offset): return "\(message) at byte \(offset)"
            }
        }
    }

    /// The one JSON value in `bytes` (RFC 8259, any value at the top level, an optional UTF-8
    /// byte-order mark first, as `JSONSerialization` allows).
    ///
    /// Generic over the byte container so this module needs no Foundation: `Data`, `[UInt8]` and
    /// their slices all lend their storage without a copy.
    @inlinable
    public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> JSONValue {
        try withRawBytes(bytes) { (raw) throws(ParseError) -> JSONValue in
            try parse(rawBytes: raw, locating: nil).value
        }
    }

    /// `bytes` parsed, and where the value at `path` (a chain of object keys from the top; `[]` is the
    /// whole document) sits in them.
    ///
    /// For callers that keep part of a document exactly as its sender wrote it (one item of a pushed
    /// array, one row of a QuerySendDetails page) while reading the whole: the stored bytes are the
    /// provider's, never a re-serialisation. With duplicate keys the location follows the last
    /// occurrence, like ``JSONObject/subscript(_:)``; `location` is `nil` when the path is absent.
    @inlinable
    public static func parse(
        _ bytes: some Collection<UInt8>, locating path: [String]
    ) throws(ParseError) -> (value: JSONValue, location: JSONLocation?) {
        try withRawBytes(bytes) { (raw) throws(ParseError) -> (value: JSONValue, location: JSONLocation?) in
            try parse(rawBytes: raw, locating: path)
        }
    }

    /// Each element of the top-level array in `bytes` with its byte range, after checking that the
    /// whole of `bytes` is one valid JSON document; `nil` when that document is not an array.
    @inlinable
    public static func topLevelArrayElements(
        _ bytes: some Collection<UInt8>
    ) throws(ParseError) -> [(value: JSONValue, bytes: Range<Int>)]? {
        let (value, location) = try parse(bytes, locating: [])
        guard case .array(let elements) = value, let location else { return nil }
        return zip(elements, location.elements).map { (value: $0.0, bytes: $0.1) }
    }

    /// The parse over contiguous bytes that every entry point above ends in.
    public static func parse(
        rawBytes: UnsafeRawBufferPointer, locating path: [String]?
    ) throws(ParseError) -> (value: JSONValue, location: JSONLocation?) {
        try JSONParser.parse(rawBytes, locating: path)
    }

    /// Runs `body` over the bytes of `bytes` in one contiguous buffer, copying only when the
    /// collection keeps them in pieces.
    @inlinable
    static func withRawBytes<Output>(
        _ bytes: some Collection<UInt8>,
        _ body: (UnsafeRawBufferPointer) throws(ParseError) -> Output
    ) throws(ParseError) -> Output {
        let outcome = bytes.withContiguousStorageIfAvailable { buffer -> Result<Output, ParseError> in
            do throws(ParseError) {
                return .success(try body(UnsafeRawBufferPointer(buffer)))
            } catch {
                return .failure(error)
            }
        }
        if let outcome { return try outcome.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBytes { raw -> Result<Output, ParseError> in
            do throws(ParseError) {
                return .success(try body(raw))
            } catch {
                return .failure(error)
            }
        }.get()
    }
}

/// Where one value of a parsed document sits in the input, as byte offsets from its start (a
/// byte-order mark included); see ``JSONValue/parse(_:locating:)``.
public struct JSONLocation: Sendable, Equatable {
    /// The value itself, from its first byte to just after its last.
    public var bytes: Range<Int>
    /// When the value is an array, each element's bytes in order; otherwise empty.
    public var elements: [Range<Int>]

    public init(bytes: Range<Int>, elements: [Range<Int>]) {
        self.bytes = bytes
        self.elements = elements
    }
}
