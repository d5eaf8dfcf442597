
/// The character classes of XML 1.0 (fifth edition) that `XMLCursor` checks, over UTF-8 bytes.
enum XMLCharacter {
    /// The scalar encoded at `index` (a byte of 0x80 or more) and its length in bytes; only
    /// well-formed UTF-8 passes (see ``UTF8Scalar``, shared with the JSON reader).
    static func scalar(at index: Int, in bytes: UnsafeRawBufferPointer)
        throws(MNSXMLError) -> (value: UInt32, length: Int) {
        guard let decoded = UTF8Scalar.decode(at: index, in: bytes) else {
            throw MNSXMLError("invalid UTF-8 at byte \(index)", offset: index)
        }
        return decoded
    }

    /// `Char`: what a character reference may name (no NUL, no C0 controls but tab, LF and CR, no
    /// surrogates, no U+FFFE or U+FFFF).
    static func isAllowed(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// `NameStartChar`, without `:` (names are read in namespace form, where `:` separates the prefix).
    static func isNameStart(_ value: UInt32) -> Bool {
        switch value {
        case 0x41...0x5A, 0x61...0x7A, 0x5F,
             0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D,
             0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD,
             0x10000...0xEFFFF:
            true
        default:
            false
        }
    }

    /// `NameChar`, without `:`.
    static func isNameCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: true
        default: isNameStart(value)
        }
    }

    /// The value of a decimal or (lower- or upper-case) hexadecimal digit, or nil.
    static func digit(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

extension UInt8 {
    // The byte names shared with the TOML reader (`hash`, `equals`, `quote`, ...) are in ByteNames.swift.
    /// `package`: the MNS client's answer recovery (AlibabaCloud) scans for tags with them.
    package static let lessThan = UInt8(ascii: "<"), greaterThan = UInt8(ascii: ">"), slash = UInt8(ascii: "/")
    static let question = UInt8(ascii: "?"), exclamation = UInt8(ascii: "!"), hyphen = UInt8(ascii: "-")
    static let ampersand = UInt8(ascii: "&"), semicolon = UInt8(ascii: ";"), lineFeed = UInt8(ascii: "\n")

    /// XML's `S`: space, tab, CR, LF.
    package var isXMLWhitespace: Bool {
        self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D
    }

    /// ASCII letters and `_`: the ASCII part of `NameStartChar` (without `:`).
    var isASCIINameStart: Bool {
        (self | 0x20) &- UInt8(ascii: "a") < 26 || self == UInt8(ascii: "_")
    }

    /// ASCII letters, digits, `_`, `-`, `.`: the ASCII part of `NameChar` (without `:`).
    var isASCIINameCharacter: Bool {
        isASCIINameStart || self &- UInt8(ascii: "0") < 10 || self == UInt8(ascii: "-") || self == UInt8(ascii: ".")
    }

    var asciiLowercased: UInt8 {
        self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self + 0x20 : self
    }
}
