/// Strings, numbers and booleans of the TOML subset.
extension TOMLParser {
    /// `"..."` with the escapes `\" \\ \b \t \n \f \r \uXXXX \UXXXXXXXX`; it must end on its line.
    mutating func parseBasicString() throws(TOMLSyntaxError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var pending: [UInt8] = []
        func flush() { scalars.append(contentsOf: String(decoding: pending, as: UTF8.self).unicodeScalars); pending = [] }
        while let byte = peek() {
            switch byte {
            case .quote:
                index += 1
                flush()
                return String(scalars)
            case .backslash:
                flush()
                scalars.append(try parseEscape())
            case .newline, .carriageReturn:
                throw fail("unterminated string: a \"...\" string must end on the same line")
            case 0..<0x20 where byte != .tab, 0x7F:
                throw fail("control character inside a string; write it as an escape such as \\t")
            default:
                pending.append(byte)
                index += 1
            }
        }
        throw fail("unterminated string: a \"...\" string must end on the same line")
    }

    private mutating func parseEscape() throws(TOMLSyntaxError) -> Unicode.Scalar {
        index += 1
        guard let letter = peek() else { throw fail("unterminated string") }
        index += 1
        switch letter {
        case .quote: return "\""
        case .backslash: return "\\"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "u"): return try parseUnicodeEscape(digits: 4)
        case UInt8(ascii: "U"): return try parseUnicodeEscape(digits: 8)
        default:
            throw fail("invalid escape sequence in a string; use \\\\ for a backslash, or a '...' literal string")
        }
    }

    private mutating func parseUnicodeEscape(digits: Int) throws(TOMLSyntaxError) -> Unicode.Scalar {
        guard index + digits <= bytes.count else { throw fail("\\u needs \(digits) hexadecimal digits") }
        let hex = String(decoding: bytes[index..<index + digits], as: UTF8.self)
        guard hex.allSatisfy(\.isHexDigit), let code = UInt32(hex, radix: 16) else {
            throw fail("\\u needs \(digits) hexadecimal digits")
        }
        guard let scalar = Unicode.Scalar(code) else { throw fail("escape \\u\(hex) is not a Unicode scalar value") }
        index += digits
        return scalar
    }

    /// `'...'`: no escapes at all, which makes it the easy way to write Windows-style paths or regexes.
    mutating func parseLiteralString() throws(TOMLSyntaxError) -> String {
        index += 1
        let start = index
        while let byte = peek() {
            if byte == .apostrophe {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            }
            if byte == .newline || byte == .carriageReturn { break }
            index += 1
        }
        throw fail("unterminated literal string: a '...' string must end on the same line")
    }

    /// A value without quotes: a boolean, an integer or a float. The message for anything else does not
    /// repeat the text, since an unquoted secret is the most likely cause.
    mutating func parseBareValue() throws(TOMLSyntaxError) -> TOMLValue {
        let start = index
        while let byte = peek(), ![.space, .tab, .newline, .carriageReturn, .comma, .closeBracket, .hash].contains(byte) {
            index += 1
        }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        switch TOMLScalar.classify(token) {
        case .success(let value): return value
        case .failure(let problem): throw TOMLSyntaxError(line: line, message: problem.message)
        }
    }
}

/// Classifies unquoted tokens; shared by the file parser and the environment overrides, so that
/// `SMSLEDGER_POLLING_WAIT_SECONDS=1_0` means what `wait_seconds = 1_0` means.
public enum TOMLScalar {
    /// Why a bare token is not a value, phrased for an operator and never quoting the token.
    public struct Problem: Error { public var message: String }

    public static func classify(_ token: String) -> Result<TOMLValue, Problem> {
        if token == "true" { return .success(.boolean(true)) }
        if token == "false" { return .success(.boolean(false)) }
        if let number = integer(token) { return .success(.integer(number)) }
        if let number = float(token) { return .success(.float(number)) }
        return .failure(Problem(message: explainInvalid(token)))
    }

    /// Decimal integers with an optional sign and `_` between digits; no leading zeros, as in TOML.
    public static func integer(_ token: String) -> Int? {
        let (sign, digits) = splitSign(token)
        guard let plain = digitRun(digits), plain.count == 1 || plain.first != "0" else { return nil }
        return Int(sign + plain)
    }

    /// `[sign] int [. digits] [e [sign] digits]` with at least a fraction or an exponent.
    public static func float(_ token: String) -> Double? {
        let (sign, body) = splitSign(token)
        let lowered = body.lowercased()
        let mantissa: Substring, exponent: Substring?
        if let e = lowered.firstIndex(of: "e") {
            mantissa = lowered[..<e]
            exponent = lowered[lowered.index(after: e)...]
        } else {
            mantissa = lowered[...]
            exponent = nil
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.count == 2 || exponent != nil else { return nil }
        guard let whole = digitRun(parts[0]), whole.count == 1 || whole.first != "0" else { return nil }
        var text = sign + whole
        if parts.count == 2 {
            guard let fraction = digitRun(parts[1]) else { return nil }
            text += "." + fraction
        }
        if let exponent {
            let (expSign, expDigits) = splitSign(String(exponent))
            guard let plain = digitRun(expDigits) else { return nil }
            text += "e" + expSign + plain
        }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    private static func splitSign(_ token: String) -> (String, Substring) {
        if token.hasPrefix("-") { return ("-", token.dropFirst()) }
        if token.hasPrefix("+") { return ("", token.dropFirst()) }
        return ("", token[...])
    }

    /// Digits with single underscores between them, returned without the underscores.
    private static func digitRun(_ text: Substring) -> String? {
        let groups = text.split(separator: "_", omittingEmptySubsequences: false)
        guard !text.isEmpty, groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else {
            return nil
        }
        return groups.joined()
    }

    private static func explainInvalid(_ token: String) -> String {
        let body = token.drop { $0 == "+" || $0 == "-" }
        if ["inf", "nan"].contains(body) { return "inf and nan are not supported" }
        if ["0x", "0o", "0b"].contains(where: body.hasPrefix) {
            return "hexadecimal, octal and binary numbers are not supported; write a decimal number"
        }
        if token.wholeMatch(of: /\d{4}-\d{2}-\d{2}.*|\d{2}:\d{2}.*/) != nil {
            return "dates and times are not supported"
        }
        if token.first?.isNumber == true || token.first == "+" || token.first == "-" {
            return "invalid number (use digits with optional '_' between them, no leading zeros)"
        }
        return "invalid value: text must be quoted (\"...\"); only numbers, true and false go without quotes"
    }
}
