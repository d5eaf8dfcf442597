/// CSV as RFC 4180 writes it, for `smsledger export --format csv`.
///
/// A field is quoted when it holds a comma, a double quote, a CR or an LF (SMS content holds all of
/// them), and a double quote inside is doubled; every other field, Chinese text included, is written
/// as it is, in UTF-8. Records end with CRLF, as the RFC says; spreadsheet programs and Python's
/// `csv` module read them back exactly. A missing value is an empty field.
public enum CSVText {
    /// One record, ending in CRLF.
    public static func record(_ fields: [String?]) -> String {
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append(",") }
            if let field { line.append(escaped(field)) }
        }
        line.append("\r\n")
        return line
    }

    /// `field` as it must appear between two commas.
    public static func escaped(_ field: String) -> String {
        let needsQuotes = field.utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\n")
        }
        guard needsQuotes else { return field }
        var quoted = "\""
        for character in field.unicodeScalars {
            if character == "\"" { quoted.append("\"\"") } else { quoted.unicodeScalars.append(character) }
        }
        quoted.append("\"")
        return quoted
    }
}
