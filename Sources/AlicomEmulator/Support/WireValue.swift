import Parsers
import AlibabaCloud
/// An ordered response tree that renders as JSON or XML.
///
/// Alibaba's RPC gateway answers in the `Format` the caller asked for; building the answer once as
/// a tree keeps the two renderings in step and keeps the field order of the documentation
/// (`JSONSerialization` would reorder keys).
indirect enum WireValue: Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case object([(String, WireValue)])
    /// A JSON array. In XML there is no wrapper: each element is written as `<itemName>`, the
    /// gateway's convention (`"SmsSendDetailDTO":[..]` ↔ `<SmsSendDetailDTO>..</SmsSendDetailDTO>...`).
    case array(itemName: String, [WireValue])

    func json() -> String {
        var out = ""
        writeJSON(into: &out)
        return out
    }

    private func writeJSON(into out: inout String) {
        switch self {
        case .string(let text): out += JSONText.quote(text)
        case .int(let number): out += String(number)
        case .bool(let flag): out += flag ? "true" : "false"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                out += JSONText.quote(member.0) + ":"
                member.1.writeJSON(into: &out)
            }
            out += "}"
        case .array(_, let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.writeJSON(into: &out)
            }
            out += "]"
        }
    }

    /// `<?xml ...?><root>...</root>` in the style of the RPC gateway's XML answers.
    func xml(root: String) -> String {
        var out = "<?xml version='1.0' encoding='UTF-8'?>"
        writeXML(name: root, into: &out)
        return out
    }

    private func writeXML(name: String, into out: inout String) {
        switch self {
        case .array(let itemName, let items):
            for item in items { item.writeXML(name: itemName, into: &out) }
        case .object(let members):
            out += "<\(name)>"
            for member in members { member.1.writeXML(name: member.0, into: &out) }
            out += "</\(name)>"
        case .string(let text): out += "<\(name)>\(XMLText.escape(text))</\(name)>"
        case .int(let number): out += "<\(name)>\(number)</\(name)>"
        case .bool(let flag): out += "<\(name)>\(flag)</\(name)>"
        }
    }
}

enum JSONText {
    /// A JSON string literal: quotes, backslashes and control characters escaped, everything else
    /// (Chinese text included) as UTF-8.
    static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

enum XMLText {
    /// Escapes text for an XML element body or attribute: the client's escaper, which sizes the
    /// result from the UTF-8 bytes once and returns text with nothing to escape (every message body
    /// and receipt handle, which are base64) without a copy.
    static func escape(_ text: String) -> String {
        Parsers.MNSXML.escape(text)
    }
}
