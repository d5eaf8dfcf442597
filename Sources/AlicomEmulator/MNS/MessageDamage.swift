/// How a message is damaged in one receive answer (see ``EmulatorFaults``), so that clients can be
/// tested against answers that cannot be read in full.
enum MessageDamage: Sendable, Equatable {
    case none
    /// The body text holds U+0001, which XML 1.0 forbids: that `<Message>` cannot be read, but its
    /// `MessageId` and `ReceiptHandle` can.
    case forbiddenCharacter
    /// `MessageBodyMD5` does not match the body, as if a line ending had changed in transit.
    case wrongMD5
    /// The `</Message>` end tag is missing: no boundary after it can be trusted, so the whole answer
    /// is unreadable and no handle in it is safe to recover.
    case unclosedElement

    /// The body text as written into the answer (already escaped).
    func body(_ escaped: String) -> String {
        guard self == .forbiddenCharacter else { return escaped }
        let utf8 = Array(escaped.utf8)
        var middle = utf8.count / 2
        while middle > 0, utf8[middle] & 0xC0 == 0x80 { middle -= 1 }  // not inside a UTF-8 sequence
        var written = Array(utf8[..<middle])
        written.append(0x01)
        written += utf8[middle...]
        return String(decoding: written, as: UTF8.self)
    }

    /// The `MessageBodyMD5` as written: for `wrongMD5`, the digest with its first digit changed.
    func bodyMD5(_ md5: String) -> String {
        guard self == .wrongMD5, let first = md5.first else { return md5 }
        return (first == "0" ? "1" : "0") + md5.dropFirst()
    }

    /// The end tag of the `<Message>` element as written.
    var messageEndTag: String { self == .unclosedElement ? "" : "</Message>" }
}
