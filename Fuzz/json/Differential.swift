import Foundation

/// What counts as "the same JSON" between our reader and Foundation's `JSONSerialization`, and which
/// disagreements are deliberate (each listed with its reason in Fuzz/README.md, "JSON differential").
enum Differential {
    /// A description of the first place where `ours` and `theirs` differ, or `nil` when they agree.
    ///
    /// Numbers compare by `Double` value (our literal read by Swift's correctly rounded `Double(_:)`),
    /// strings by their exact Unicode scalars (Swift's `==` would equate NFC and NFD spellings), objects
    /// by key and value with the last duplicate winning, as both readers define it.
    static func difference(_ ours: JSONValue, _ theirs: Any, at path: String = "$") -> String? {
        switch ours {
        case .null:
            return theirs is NSNull ? nil : "\(path): null vs \(theirs)"
        case .bool(let flag):
            return (theirs as? Bool) == flag && !(theirs is String) ? nil : "\(path): \(flag) vs \(theirs)"
        case .number(let number):
            guard let their = doubleValue(theirs) else { return "\(path): number \(number.literal) vs \(theirs)" }
            let mine = number.doubleValue
            return sameNumber(mine, their, literal: number.literal) ? nil : "\(path): \(number.literal) = \(mine) vs \(their)"
        case .string(let text):
            guard let their = theirs as? String else { return "\(path): string vs \(theirs)" }
            return text.unicodeScalars.elementsEqual(their.unicodeScalars) ? nil
                : "\(path): \(text.debugDescription) vs \(their.debugDescription)"
        case .array(let elements):
            guard let their = theirs as? [Any] else { return "\(path): array vs \(theirs)" }
            guard elements.count == their.count else { return "\(path): \(elements.count) vs \(their.count) elements" }
            for (index, element) in elements.enumerated() {
                if let difference = difference(element, their[index], at: "\(path)[\(index)]") { return difference }
            }
            return nil
        case .object(let object):
            guard let their = theirs as? [String: Any] else { return "\(path): object vs \(theirs)" }
            let unique = object.sortedUniqueMembers
            guard unique.count == their.count else { return "\(path): \(unique.count) vs \(their.count) keys" }
            for member in unique {
                guard let value = their[member.key] else { return "\(path): key \(member.key.debugDescription) missing" }
                if let difference = difference(member.value, value, at: "\(path).\(member.key)") { return difference }
            }
            return nil
        }
    }

    /// The value `serialised()` promises to write back: objects reduced to one member per key, sorted.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): return .array(elements.map(canonical))
        case .object(let object):
            return .object(JSONObject(object.sortedUniqueMembers.map {
                JSONObject.Member(key: $0.key, value: canonical($0.value))
            }))
        default: return value
        }
    }

    /// Whether our refusal of something `JSONSerialization` reads is one of the strictness choices
    /// documented in Fuzz/README.md.
    static func isAllowedRefusal(_ error: JSONValue.ParseError, of input: UnsafeRawBufferPointer) -> Bool {
        // JSONSerialization also reads UTF-16 and UTF-32, told apart by NUL bytes or a BOM; our inputs
        // are UTF-8 by contract (and JSON text in UTF-8 never holds a raw NUL).
        if input.contains(0) || input.starts(with: [0xFE, 0xFF]) || input.starts(with: [0xFF, 0xFE]) { return true }
        switch error {
        case .invalidUTF8:
            return false
        case .syntax(let message, let offset):
            if allowedRefusals.contains(where: { message.hasPrefix($0) }) { return true }
            // JSONSerialization on Linux takes a trailing comma before `}` or `]`; RFC 8259 does not.
            if message == "unexpected '}'" || message == "unexpected ']'" {
                return input[..<offset].last(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) == UInt8(ascii: ",")
            }
            return false
        }
    }

    /// Refusal messages that name a documented strictness difference.
    static let allowedRefusals = [
        "unpaired surrogate",  // a lone \uD800 is not a character; JSONSerialization keeps it as U+FFFD
        "number out of range",  // kept from before: 1e400 is no Double
        "nesting deeper than",  // our limit is 64, JSONSerialization's 512
    ]

    /// Whether our acceptance of something `JSONSerialization` refuses is documented; none so far.
    static func isAllowedExtraAcceptance(_ value: JSONValue, of input: UnsafeRawBufferPointer) -> Bool {
        false
    }

    /// Equal, or, for literals with more significant digits than a `Double` holds (16+), within a
    /// relative 1e-14: Foundation reads long numbers through `Decimal` and can land a few ulps away
    /// from the correctly rounded value, which is ours (`-22222222222222222222222222222222222222222222222`
    /// gives -2.2222222222222219e+46 there, -2.222222222222222e+46 here).
    static func sameNumber(_ mine: Double, _ their: Double, literal: String) -> Bool {
        if mine == their { return true }
        let digits = literal.prefix { $0 != "e" && $0 != "E" }.filter(\.isNumber).drop { $0 == "0" }.count
        return digits > 15 && abs(mine - their) <= abs(mine) * 1e-14
    }

    private static func doubleValue(_ value: Any) -> Double? {
        if value is Bool, !(value is NSNumber) { return nil }
        if let decimal = value as? Decimal { return NSDecimalNumber(decimal: decimal).doubleValue }
        if let number = value as? NSNumber { return number.doubleValue }
        if let number = value as? Double { return number }
        if let number = value as? Int { return Double(number) }
        return nil
    }
}
