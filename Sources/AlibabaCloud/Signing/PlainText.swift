/// Trimming and case folding without `trimmingCharacters(in:)` / `caseInsensitiveCompare`, which
/// bridge through `NSString` and allocated on every field of every received message.
///
/// The trimming sets are exactly Foundation's on Linux (CoreFoundation's predefined sets, checked
/// against every BMP scalar in the tests), so the results are the same as before, only cheaper: a
/// string with nothing to trim (the usual case) is returned as it is, without a copy.
extension String {
    /// Equal when the UTF-8 bytes are equal after folding `A`–`Z` to `a`–`z`. For the ASCII texts it
    /// is used on (header names, hex digests) this is what `caseInsensitiveCompare == .orderedSame` said.
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8) { Self.asciiLowercased($0) == Self.asciiLowercased($1) }
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    /// Like `trimmingCharacters(in: .whitespaces)`.
    package func trimmingWhitespace() -> String {
        trimming(Self.isWhitespace)
    }

    /// Like `trimmingCharacters(in: .whitespacesAndNewlines)`.
    package func trimmingWhitespaceAndNewlines() -> String {
        trimming { Self.isWhitespace($0) || Self.isNewline($0) }
    }

    private func trimming(_ isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return self }
        guard isTrimmed(first) || isTrimmed(last) else { return self }
        guard let start = scalars.firstIndex(where: { !isTrimmed($0) }) else { return "" }
        // A non-trimmed scalar exists, so `lastIndex` finds one at or after `start`.
        let end = scalars.lastIndex(where: { !isTrimmed($0) }) ?? start
        return String(scalars[start...end])
    }

    /// `CharacterSet.whitespaces`: tab and the space separators, plus U+200B as CoreFoundation has it.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// The newlines that `CharacterSet.whitespacesAndNewlines` adds.
    static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }
}
