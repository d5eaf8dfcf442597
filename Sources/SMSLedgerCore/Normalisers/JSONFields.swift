import Foundation
import Parsers

/// A parsed JSON object with typed, error-reporting field access, so each normaliser states what it
/// expects and gets a precise ``NormalisationError`` when the body disagrees.
///
/// Types are strict where a loose reading would change the ledger: `"success": 1` is a type error,
/// not a delivery, because only a JSON boolean is a boolean (``JSONValue`` keeps them apart, which
/// `JSONSerialization`'s `NSNumber` did not). Identifiers and integers are lenient about arriving as
/// text or as numbers, because providers' documents disagree about which it is.
struct JSONFields: Sendable {
    private let values: JSONObject
    /// Prefix for field names in errors, e.g. `status.` for TeleSign's nested object.
    private let path: String

    private init(values: JSONObject, path: String) {
        self.values = values
        self.path = path
    }

    /// Size check (`limit` bytes), UTF-8 check, JSON parse, object check, in that order, so each failure gets its own kind.
    static func parse(_ data: Data, limit: Int = NormalisationError.bodyLimit) throws(NormalisationError) -> JSONFields {
        try parse(data, limit: limit, locating: nil).fields
    }

    /// As ``parse(_:limit:)``, also finding where the value at the key `path` sits in `data`, for a part
    /// that is kept as the provider's own bytes (see ``JSONValue/parse(_:locating:)``).
    static func parse(
        _ data: Data, limit: Int, locating path: [String]?
    ) throws(NormalisationError) -> (fields: JSONFields, location: JSONLocation?) {
        let (value, location) = try checkedParse(data, limit: limit, locating: path)
        guard case .object(let object) = value else {
            throw NormalisationError(.notAnObject)
        }
        return (JSONFields(values: object, path: ""), location)
    }

    /// The fields of an already-parsed object, e.g. one item of a pushed array.
    init(object: JSONObject) {
        self.init(values: object, path: "")
    }

    /// Any JSON value; same checks as ``parse(_:limit:)`` without the object check.
    static func parseValue(_ data: Data, limit: Int = NormalisationError.bodyLimit) throws(NormalisationError) -> JSONValue {
        try checkedParse(data, limit: limit, locating: nil).value
    }

    private static func checkedParse(
        _ data: Data, limit: Int, locating path: [String]?
    ) throws(NormalisationError) -> (value: JSONValue, location: JSONLocation?) {
        guard data.count <= limit else {
            throw NormalisationError(.bodyTooLarge(bytes: data.count, limit: limit))
        }
        do throws(JSONValue.ParseError) {
            guard let path else { return (try JSONValue.parse(data), nil) }
            return try JSONValue.parse(data, locating: path)
        } catch .invalidUTF8 {
            throw NormalisationError(.invalidUTF8)
        } catch {
            // "unexpected '}' at byte 17": the offset lets an operator find the spot in the stored body.
            throw NormalisationError(.badJSON, detail: error.description)
        }
    }

    /// Whether `data` is well-formed UTF-8 (no overlong forms, no surrogates); see ``UTF8Check``.
    static func isValidUTF8(_ data: Data) -> Bool {
        data.withUnsafeBytes { UTF8Check.isValid($0) }
    }

    /// Whether `key` is present and not `null`.
    func has(_ key: String) -> Bool { present(key) != nil }

    /// Whether `key` is in the object at all, `null` included (for schema detection).
    func containsKey(_ key: String) -> Bool { values[key] != nil }

    /// Keys present in the object, `null`-valued ones included.
    var keys: Set<String> { values.keys }

    // MARK: - Strings and identifiers

    /// A string field; `null` and absence are `nil`.
    func string(_ key: String) throws(NormalisationError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, "a string") }
        return text
    }

    /// A required string; empty counts as missing unless `allowEmpty` (an SMS text may be empty).
    func requiredString(_ key: String, allowEmpty: Bool = false) throws(NormalisationError) -> String {
        guard let text = try string(key), allowEmpty || !text.isEmpty else { throw missing(key) }
        return text
    }

    /// An identifier sent as a string or as an integer (`sequence_id`, `MessageId`), as text. An integral
    /// JSON number renders without a fraction: `1234567890` and `1234567890.0` both give "1234567890",
    /// and digits beyond a `Double`'s precision are kept exactly (see ``JSONNumber/integralText``).
    func identifier(_ key: String) throws(NormalisationError) -> String? {
        switch present(key) {
        case nil: return nil
        case .string(let text): return text
        case .number(let number):
            guard let text = number.integralText else { throw wrongType(key, "a string or an integer") }
            return text
        default: throw wrongType(key, "a string or an integer")
        }
    }

    func requiredIdentifier(_ key: String) throws(NormalisationError) -> String {
        guard let text = try identifier(key), !text.isEmpty else { throw missing(key) }
        return text
    }

    // MARK: - Numbers and booleans

    /// A real JSON boolean; `1`, `"true"` and friends are type errors.
    func bool(_ key: String) throws(NormalisationError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let flag) = value else { throw wrongType(key, "a boolean") }
        return flag
    }

    func requiredBool(_ key: String) throws(NormalisationError) -> Bool {
        guard let flag = try bool(key) else { throw missing(key) }
        return flag
    }

    /// An integer sent as a JSON number or as decimal text (`"sms_size": "1"`, `"TotalCount": 3`).
    func integer(_ key: String) throws(NormalisationError) -> Int? {
        let text: String?
        switch present(key) {
        case nil: return nil
        case .string(let string): text = string
        case .number(let number): text = number.integralText
        default: text = nil
        }
        guard let text, let integer = Int(text) else { throw wrongType(key, "an integer or integer text") }
        return integer
    }

    func requiredInteger(_ key: String) throws(NormalisationError) -> Int {
        guard let integer = try integer(key) else { throw missing(key) }
        return integer
    }

    // MARK: - Nested values

    /// A nested object, reporting its fields as `key.field`.
    func object(_ key: String) throws(NormalisationError) -> JSONFields? {
        guard let value = present(key) else { return nil }
        guard case .object(let object) = value else {
            throw NormalisationError(.notAnObject, detail: "field '\(path)\(key)'")
        }
        return JSONFields(values: object, path: "\(path)\(key).")
    }

    /// The raw value, for shapes the typed accessors do not cover (arrays of rows); `null` is `nil`.
    func rawValue(_ key: String) -> JSONValue? { present(key) }

    // MARK: - Times

    /// A timestamp in `format`. Absent, `null` or empty is `nil` (QuerySendDetails sends `ReceiveDate: ""`
    /// while a send is pending); anything else must parse.
    func time(_ key: String, _ format: (String) -> Date?) throws(NormalisationError) -> Date? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        guard let date = format(text) else { throw NormalisationError(.badTime(field: path + key, value: text)) }
        return date
    }

    func requiredTime(_ key: String, _ format: (String) -> Date?) throws(NormalisationError) -> Date {
        guard let date = try time(key, format) else { throw missing(key) }
        return date
    }

    // MARK: - Classification

    private func present(_ key: String) -> JSONValue? {
        guard let value = values[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    private func missing(_ key: String) -> NormalisationError {
        NormalisationError(.missingField(path + key))
    }

    private func wrongType(_ key: String, _ expected: String) -> NormalisationError {
        NormalisationError(.wrongType(field: path + key, expected: expected))
    }
}
