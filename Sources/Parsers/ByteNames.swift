/// Names for the ASCII bytes the readers look for, declared once for the whole module (the TOML and
/// XML readers share most of them). Internal: they are for the parsers' readability only.
extension UInt8 {
    static let tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " "), hash = UInt8(ascii: "#"), equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'"), backslash = UInt8(ascii: "\\")
    static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{"), comma = UInt8(ascii: ","), dot = UInt8(ascii: ".")
}
