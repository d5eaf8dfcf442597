/// Whether an `xmlns` attribute value is a namespace name: a URI reference (RFC 3986).
///
/// The parser never resolves namespaces, so this is only here to stay at least as strict as the
/// FoundationXML reader it replaced, which refused a document whose namespace name libxml2 could not
/// parse as a URI (or, for the default namespace, one without a scheme). It is a little stricter than
/// RFC 3986 where MNS has no use for the feature: no IP-literal hosts, no user information, no empty
/// port, ASCII only.
enum XMLNamespaceName {
    /// `uri` with references already decoded. `requireScheme` for the default namespace (`xmlns="…"`).
    static func isValid(_ uri: [UInt8], requireScheme: Bool) -> Bool {
        var index = 0
        let firstDelimiter = uri.firstIndex {
            $0 == UInt8(ascii: ":") || $0 == .slash || $0 == .question || $0 == .hash
        }
        if let colon = firstDelimiter, uri[colon] == UInt8(ascii: ":") {
            // A scheme; a relative reference may not have a `:` in its first segment anyway.
            guard colon > 0, isLetter(uri[0]), uri[1..<colon].allSatisfy(isSchemeCharacter) else { return false }
            index = colon + 1
        } else if requireScheme {
            return false
        }
        if index + 1 < uri.count, uri[index] == .slash, uri[index + 1] == .slash {
            let start = index + 2
            let end = uri[start...].firstIndex { $0 == .slash || $0 == .question || $0 == .hash } ?? uri.count
            guard isAuthority(uri[start..<end]) else { return false }
            index = end
        }
        var inFragment = false
        while index < uri.count {
            let byte = uri[index]
            if byte == UInt8(ascii: "%") {
                guard isPercentEscape(uri, at: index) else { return false }
                index += 3
                continue
            }
            if byte == .hash {
                guard !inFragment else { return false }
                inFragment = true
            } else if !(isUnreserved(byte) || isSubDelimiter(byte) || byte == UInt8(ascii: ":")
                        || byte == UInt8(ascii: "@") || byte == .slash || byte == .question) {
                return false
            }
            index += 1
        }
        return true
    }

    /// `host[:port]`: a non-empty registered name, and a port of at least one digit if there is a `:`.
    private static func isAuthority(_ authority: ArraySlice<UInt8>) -> Bool {
        let colon = authority.firstIndex(of: UInt8(ascii: ":"))
        let host = authority[..<(colon ?? authority.endIndex)]
        guard !host.isEmpty else { return false }
        var index = host.startIndex
        while index < host.endIndex {
            if host[index] == UInt8(ascii: "%") {
                guard isPercentEscape(Array(host), at: index - host.startIndex) else { return false }
                index += 3
                continue
            }
            guard isUnreserved(host[index]) || isSubDelimiter(host[index]) else { return false }
            index += 1
        }
        guard let colon else { return true }
        let port = authority[(colon + 1)...]
        return !port.isEmpty && port.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    private static func isPercentEscape(_ bytes: [UInt8], at index: Int) -> Bool {
        index + 2 < bytes.count && XMLCharacter.digit(bytes[index + 1], hex: true) != nil
            && XMLCharacter.digit(bytes[index + 2], hex: true) != nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    private static func isSchemeCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "+") || byte == .hyphen || byte == UInt8(ascii: ".")
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == .hyphen || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    private static func isSubDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), .ampersand, .apostrophe, UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), .semicolon, .equals:
            true
        default:
            false
        }
    }
}
