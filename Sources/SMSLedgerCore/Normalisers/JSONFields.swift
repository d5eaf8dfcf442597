import Foundation

/// A parsed JSON object with typed, error-reporting field access: the one place that knows how
/// `JSONSerialization` represents JSON on each platform.
///
/// The pitfall it exists for: `JSONSerialization` returns both `true` and `1` as `NSNumber`, and
/// `as? Bool` succeeds on `1` (and `as? Int` on `true`). A provider sending `"success": 1` must be a
/// type error, not a silent delivery, so booleans are told apart by their class (`__NSCFBoolean`, the
/// class of `NSNumber(value: true)`) on Linux and Darwin alike.
///
/// Not `Sendable` (it holds `Any`); it lives and dies inside one normaliser call.
struct JSONFields {
    private let values: [String: Any]
    /// Prefix for field names in errors, e.g. `status.` for TeleSign's nested object.
    private let path: String

    private init(values: [String: Any], path: String) {
        self.values = values
        self.path = path
    }

    /// Size check (`limit` bytes), UTF-8 check, JSON parse, object check, in that order, so each failure gets its own kind.
    static func parse(_ data: Data, limit: Int = NormalisationError.bodyLimit) throws(NormalisationError) -> JSONFields {
        guard let object = try parseValue(data, limit: limit) as? [String: Any] else {
            throw NormalisationError(.notAnObject)
        }
        return JSONFields(values: object, path: "")
    }

    /// Any JSON value; same checks as ``parse(_:limit:)`` without the object check.
    static func parseValue(_ data: Data, limit: Int = NormalisationError.bodyLimit) throws(NormalisationError) -> Any {
        guard data.count <= limit else {
            throw NormalisationError(.bodyTooLarge(bytes: data.count, limit: limit))
        }
        guard isValidUTF8(data) else { throw NormalisationError(.invalidUTF8) }
        do {
            return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let message = (error as NSError).userInfo["NSDebugDescription"] as? String
            throw NormalisationError(.badJSON, detail: message)
        }
    }

    /// Checked with the standard library's decoder, which rejects overlong forms and surrogates.
    /// `JSONSerialization` would otherwise report broken UTF-8 as a generic format error, or guess another
    /// encoding from the first bytes.
    static func isValidUTF8(_ data: Data) -> Bool {
        var decoder = UTF8()
        var iterator = data.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Whether `key` is present and not `null`.
    func has(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return !(value is NSNull)
    }

    /// Keys present in the object (for schema detection).
    var keys: Set<String> { Set(values.keys) }

    // MARK: - Strings and identifiers

    /// A string field; `null` and absence are `nil`.
    func string(_ key: String) throws(NormalisationError) -> String? {
        guard let value = present(key) else { return nil }
        guard let text = value as? String else { throw wrongType(key, "a string") }
        return text
    }

    /// A required string; empty counts as missing unless `allowEmpty` (an SMS text may be empty).
    func requiredString(_ key: String, allowEmpty: Bool = false) throws(NormalisationError) -> String {
        guard let text = try string(key), allowEmpty || !text.isEmpty else { throw missing(key) }
        return text
    }

    /// An identifier sent as a string or as an integer (`sequence_id`, `MessageId`), as text. An integral
    /// JSON number renders without a fraction: `1234567890` and `1234567890.0` both give "1234567890".
    func identifier(_ key: String) throws(NormalisationError) -> String? {
        guard let value = present(key) else { return nil }
        if let text = value as? String { return text }
        guard let number = JSONFields.number(value), let text = JSONFields.integralText(number) else {
            throw wrongType(key, "a string or an integer")
        }
        return text
    }

    func requiredIdentifier(_ key: String) throws(NormalisationError) -> String {
        guard let text = try identifier(key), !text.isEmpty else { throw missing(key) }
        return text
    }

    // MARK: - Numbers and booleans

    /// A real JSON boolean; `1`, `"true"` and friends are type errors.
    func bool(_ key: String) throws(NormalisationError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard JSONFields.isBoolean(value), let number = value as? NSNumber else { throw wrongType(key, "a boolean") }
        return number.boolValue
    }

    func requiredBool(_ key: String) throws(NormalisationError) -> Bool {
        guard let flag = try bool(key) else { throw missing(key) }
        return flag
    }

    /// An integer sent as a JSON number or as decimal text (`"sms_size": "1"`, `"TotalCount": 3`).
    func integer(_ key: String) throws(NormalisationError) -> Int? {
        guard let value = present(key) else { return nil }
        let text: String?
        if let string = value as? String {
            text = string
        } else {
            text = JSONFields.number(value).flatMap(JSONFields.integralText)
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
        guard let object = value as? [String: Any] else {
            throw NormalisationError(.notAnObject, detail: "field '\(path)\(key)'")
        }
        return JSONFields(values: object, path: "\(path)\(key).")
    }

    /// The raw value, for shapes the typed accessors do not cover (arrays of rows).
    func rawValue(_ key: String) -> Any? { present(key) }

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

    private func present(_ key: String) -> Any? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        return value
    }

    private func missing(_ key: String) -> NormalisationError {
        NormalisationError(.missingField(path + key))
    }

    private func wrongType(_ key: String, _ expected: String) -> NormalisationError {
        NormalisationError(.wrongType(field: path + key, expected: expected))
    }

    /// The class `JSONSerialization` uses for `true`/`false` on this platform.
    private static let booleanClass = ObjectIdentifier(type(of: NSNumber(value: true)))

    static func isBoolean(_ value: Any) -> Bool {
        if type(of: value) == Bool.self { return true }
        guard let number = value as? NSNumber else { return false }
        return ObjectIdentifier(type(of: number)) == booleanClass
    }

    /// A JSON number that is not a boolean.
    static func number(_ value: Any) -> NSNumber? {
        guard !isBoolean(value), !(value is String) else { return nil }
        return value as? NSNumber
    }

    /// Decimal text of an integral number; `nil` for fractions, infinities and out-of-range doubles.
    static func integralText(_ number: NSNumber) -> String? {
        let type = String(cString: number.objCType)
        guard type == "d" || type == "f" else { return number.stringValue }
        let double = number.doubleValue
        guard double.isFinite, double == double.rounded(), abs(double) < 9.0e18 else { return nil }
        return String(Int64(double))
    }
}
