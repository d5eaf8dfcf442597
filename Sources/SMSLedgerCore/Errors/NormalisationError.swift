/// Why a body from a provider could not be turned into a ledger event.
///
/// The problem is always the input, so retrying cannot help: the same bytes fail the same way. The
/// caller quarantines the body with ``reason`` (see ``MNSBodyNormaliser``) and moves on, so one
/// malformed message never blocks a queue.
public struct NormalisationError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The MNS `MessageBody` is not valid base64 (and not raw JSON either).
        case badBase64
        /// The bytes are not UTF-8, which JSON on the wire must be.
        case invalidUTF8
        /// Valid UTF-8, but not JSON.
        case badJSON
        /// JSON, but not an object where one is required (top level, or a nested object like `status`).
        case notAnObject
        /// A required field is absent, `null`, or (for identifiers) empty.
        case missingField(String)
        /// A field is present with the wrong JSON type, e.g. `"success": 1` where a boolean belongs.
        case wrongType(field: String, expected: String)
        /// The body exceeds the size we accept, checked before any decoding.
        case bodyTooLarge(bytes: Int, limit: Int)
        /// A timestamp field that does not parse in its format, or has out-of-range parts.
        case badTime(field: String, value: String)
        /// A JSON object whose keys match none of the dialects this normaliser knows.
        case unknownSchema
    }

    public var kind: Kind
    /// Extra context for the operator, e.g. the JSON parser's message. Not part of the kind, so tests
    /// and callers can match on the kind without depending on Foundation's wording.
    public var detail: String?

    public init(_ kind: Kind, detail: String? = nil) {
        self.kind = kind
        self.detail = detail
    }

    /// Always `false`: the input is wrong, not the moment. Present so every error in the project
    /// answers the same question the same way.
    public var isRetryable: Bool { false }

    /// One line for the quarantine table and the journal.
    public var reason: String {
        let base: String
        switch kind {
        case .badBase64: base = "message body is not valid base64"
        case .invalidUTF8: base = "body is not valid UTF-8"
        case .badJSON: base = "body is not valid JSON"
        case .notAnObject: base = "JSON is not an object"
        case .missingField(let name): base = "required field '\(name)' is missing or empty"
        case .wrongType(let field, let expected): base = "field '\(field)' should be \(expected)"
        case .bodyTooLarge(let bytes, let limit): base = "body is \(bytes) bytes, over the \(limit)-byte limit"
        case .badTime(let field, let value): base = "field '\(field)' has an invalid time '\(value.prefix(64))'"
        case .unknownSchema: base = "JSON object matches no known message schema"
        }
        guard let detail, !detail.isEmpty else { return base }
        return "\(base): \(detail)"
    }

    public var description: String { reason }
}

extension NormalisationError {
    /// The largest body we accept, in bytes: 64 KiB. Checked on the raw text before base64 decoding and
    /// again on the JSON bytes. Real receipts are well under 1 KiB; anything near the limit is noise or
    /// abuse, and refusing it early bounds the memory one message can cost.
    public static let bodyLimit = 65_536
}
