extension JSONValue {
    /// Compact UTF-8 JSON text with object keys in byte order (duplicates reduced to the last), so one
    /// value always gives the same bytes.
    ///
    /// Strings are escaped as `JSONSerialization` escapes them (`\"`, `\\`, `\b \f \n \r \t`, other
    /// controls as `\u00xx`, everything else as is, `/` unescaped), so a re-serialised row reads the
    /// same as before this writer existed. Numbers are written as their literal, never re-rounded.
    /// Key order differs from `JSONSerialization`'s case-insensitive, digit-aware `.sortedKeys` only
    /// for keys that differ in case or in digit runs; Alibaba's PascalCase row keys sort the same.
    public func serialised() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return out
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): out.append(contentsOf: number.literal.utf8)
        case .string(let text): Self.write(string: text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (position, member) in object.sortedUniqueMembers.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(string: member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Also used by ``JSONObjectWriter``, so both escape alike.
    ///
    /// Copies each run of bytes that needs no escaping in one append: the ledger writer escapes a
    /// dozen strings per webhook event inside its transaction, and a per-byte append was half of
    /// what building the bodies cost (Benchmarks/README.md, "Webhooks").
    static func write(string: String, into out: inout [UInt8]) {
        let written: Void? = string.utf8.withContiguousStorageIfAvailable { write(utf8: $0, into: &out) }
        if written == nil { write(utf8: Array(string.utf8), into: &out) }
    }

    private static func write(utf8 bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            appendEscaped(byte, into: &out)
            runStart = index + 1
        }
        if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        out.append(UInt8(ascii: "\""))
    }

    private static func write(utf8 bytes: [UInt8], into out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { write(utf8: $0, into: &out) }
    }

    /// A quote, a backslash or a control character, as JSON writes it.
    private static func appendEscaped(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
        case 0x08: out.append(contentsOf: #"\b"#.utf8)
        case 0x0C: out.append(contentsOf: #"\f"#.utf8)
        case 0x0A: out.append(contentsOf: #"\n"#.utf8)
        case 0x0D: out.append(contentsOf: #"\r"#.utf8)
        case 0x09: out.append(contentsOf: #"\t"#.utf8)
        default:
            out.append(contentsOf: #"\u00"#.utf8)
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
