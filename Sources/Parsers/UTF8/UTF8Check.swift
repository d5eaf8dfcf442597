/// Whether bytes are well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms (`C0 AF` for `/`,
/// a classic filter bypass), no encoded surrogates (`ED A0 80`), nothing above U+10FFFF, no truncated
/// sequence.
///
/// Run over the whole body before parsing so broken UTF-8 is reported as such, never as the syntax
/// error a parser would trip over first. Receipts are mostly ASCII, so eight bytes are checked at a
/// time until a non-ASCII byte shows up; this replaced a `Data.Iterator` loop that cost more than the
/// parse itself.
public enum UTF8Check {
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var index = 0
        while index < count {
            if index + 8 <= count,
               bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            guard let (_, length) = UTF8Scalar.decode(at: index, in: bytes) else { return false }
            index += length
        }
        return true
    }
}

/// One UTF-8 sequence decoded by Unicode 15, table 3-7: the single copy of that table, used by the JSON
/// check above and by the MNS XML reader (through SMSLedgerCore's alias until that reader joins this module) (which also needs the scalar's value for XML's character
/// classes).
public enum UTF8Scalar {
    /// The scalar encoded at `index` (a byte of 0x80 or more) and its length in bytes, or `nil` when the
    /// sequence is not well-formed: an overlong form (`C0 AF`), an encoded surrogate (`ED A0 80`),
    /// anything above U+10FFFF, or a sequence cut short by the end of `bytes`.
    public static func decode(at index: Int, in bytes: UnsafeRawBufferPointer) -> (value: UInt32, length: Int)? {
        let lead = bytes[index]
        // The allowed range of the second byte depends on the lead; later bytes are plain 80...BF.
        let length: Int
        let second: ClosedRange<UInt8>
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; second = 0x80...0xBF; value = UInt32(lead & 0x1F)
        case 0xE0: length = 3; second = 0xA0...0xBF; value = UInt32(lead & 0x0F)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; second = 0x80...0xBF; value = UInt32(lead & 0x0F)
        case 0xED: length = 3; second = 0x80...0x9F; value = UInt32(lead & 0x0F)
        case 0xF0: length = 4; second = 0x90...0xBF; value = UInt32(lead & 0x07)
        case 0xF1...0xF3: length = 4; second = 0x80...0xBF; value = UInt32(lead & 0x07)
        case 0xF4: length = 4; second = 0x80...0x8F; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard length <= bytes.count - index, second.contains(bytes[index + 1]) else { return nil }
        value = value << 6 | UInt32(bytes[index + 1] & 0x3F)
        for offset in 2..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
    }
}
