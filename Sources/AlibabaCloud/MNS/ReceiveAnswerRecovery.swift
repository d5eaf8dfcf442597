import Parsers
import Foundation
import SMSLedgerCore

extension MNSDecoding {
    /// A BatchReceiveMessage (or ReceiveMessage) answer, message by message.
    ///
    /// The strict reader goes first: an answer that reads as a whole is taken as it is. Otherwise
    /// ``MessageCutter`` cuts it into its `<Message>` elements and reads each on its own, so one
    /// unreadable message becomes an ``UnreadableMessage`` instead of failing its neighbours. When
    /// even the cutting fails (a truncated answer, broken structure), the strict reader's error is
    /// thrown: such an answer never reads as a shorter batch.
    static func receiveAnswer(_ data: Data) throws -> BatchReceiveAnswer {
        do {
            return BatchReceiveAnswer(messages: try messages(data))
        } catch let strictError {
            guard let answer = MessageCutter(Array(data)).read() else { throw strictError }
            return answer
        }
    }
}

/// Reads an answer that the strict reader refused, one `<Message>` element at a time.
///
/// The cut is made by the tags MNS writes, and is itself strict: the prolog must read, the root
/// start tag must read, `<Message>…</Message>` elements follow each other with only whitespace
/// between them, and `</Messages>` (with trailing whitespace at most) ends the answer. Anything else
/// (a cut connection, a stray tag, a `<Message>` inside another) means the boundaries cannot be
/// trusted, and the answer is unreadable as a whole. Each element is then read by the same strict
/// reader, wrapped in the answer's prolog and root start tag so that its namespace declarations
/// still apply: the recovery never accepts a message the strict reader would refuse.
///
/// From an element that still fails, only fields that read on their own are kept: its `MessageId`
/// and `ReceiptHandle` when each occurs exactly once and is a well-formed element by itself.
struct MessageCutter {
    private let bytes: [UInt8]

    private static let messageOpen = Array("<Message".utf8)
    private static let messageClose = Array("</Message>".utf8)
    private static let batchClose = Array("</Messages>".utf8)

    private enum Outcome {
        case read(ReceivedMessage)
        case unreadable(UnreadableMessage)
    }

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The answer message by message, or nil when its structure cannot be trusted.
    func read() -> BatchReceiveAnswer? {
        guard let root = firstMessageTag(in: 0..<bytes.count) else { return nil }
        let prolog = Array(bytes[0..<root.start])
        guard Self.reads(prolog + Array("<a/>".utf8)) else { return nil }
        if !root.isBatch {
            // A ReceiveMessage answer: the root is the one message.
            guard let end = find(Self.messageClose, in: root.start..<bytes.count),
                  isWhitespace(end + Self.messageClose.count..<bytes.count) else { return nil }
            return collect([root.start..<end + Self.messageClose.count], open: prolog, close: [])
        }
        guard let tagEnd = find([.greaterThan], in: root.start..<bytes.count) else { return nil }
        let open = prolog + bytes[root.start...tagEnd]
        guard Self.reads(open + Self.batchClose) else { return nil }
        var segments: [Range<Int>] = []
        var index = tagEnd + 1
        while true {
            index = skipWhitespace(from: index)
            if has(Self.batchClose, at: index) {
                guard isWhitespace(index + Self.batchClose.count..<bytes.count) else { return nil }
                break
            }
            guard let tag = firstMessageTag(in: index..<bytes.count), tag.start == index, !tag.isBatch,
                  let end = find(Self.messageClose, in: index..<bytes.count) else { return nil }
            let segment = index..<end + Self.messageClose.count
            // A second start tag before the end tag: the boundaries are not where they seem.
            guard firstMessageTag(in: index + 1..<end) == nil else { return nil }
            segments.append(segment)
            index = segment.upperBound
        }
        return collect(segments, open: open, close: Self.batchClose)
    }

    private func collect(_ segments: [Range<Int>], open: [UInt8], close: [UInt8]) -> BatchReceiveAnswer {
        var answer = BatchReceiveAnswer()
        for segment in segments {
            switch readMessage(segment, open: open, close: close) {
            case .read(let message): answer.messages.append(message)
            case .unreadable(let unreadable): answer.unreadable.append(unreadable)
            }
        }
        return answer
    }

    /// One `<Message>` element, read strictly inside `open` … `close`.
    private func readMessage(_ segment: Range<Int>, open: [UInt8], close: [UInt8]) -> Outcome {
        let body = fieldContent("MessageBody", in: segment)
        let reason: String
        do {
            let root = try MNSXML.parse(Data(open + bytes[segment] + close))
            let elements = close.isEmpty ? [root] : root.children(named: "Message")
            guard elements.count == 1 else { throw AlibabaError.malformed("not one <Message> element") }
            return .read(try MNSDecoding.message(elements[0]))
        } catch let error as MNSXMLError {
            reason = describe(error, segment: segment, body: body, shift: segment.lowerBound - open.count)
        } catch let error as AlibabaError {
            reason = "MNS message at byte \(segment.lowerBound) of the answer: \(error.message)"
        } catch {
            reason = "MNS message at byte \(segment.lowerBound) of the answer: \(error)"
        }
        return .unreadable(UnreadableMessage(
            messageId: fieldText("MessageId", in: segment), receiptHandle: fieldText("ReceiptHandle", in: segment)
                .map { ReceiptHandle($0) },
            raw: Data(bytes[body ?? segment]), reason: reason))
    }

    /// The reason for a strict-reader failure, with its offset counted in the answer.
    private func describe(_ error: MNSXMLError, segment: Range<Int>, body: Range<Int>?, shift: Int) -> String {
        guard let wrapped = error.offset else { return "MNS message is not valid XML: \(error)" }
        let offset = wrapped + shift
        if let body, body.contains(offset) {
            return "MNS message body is not valid XML text: \(character(at: offset)) at byte \(offset)"
        }
        let suffix = " at byte \(wrapped)"
        let problem = error.description.hasSuffix(suffix)
            ? String(error.description.dropLast(suffix.count)) : error.description
        return "MNS message is not valid XML: \(problem) at byte \(offset)"
    }

    /// `character U+0001`, or `invalid UTF-8` when no scalar starts there.
    private func character(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of the answer" }
        let decoded: (value: UInt32, length: Int)? = bytes[offset] < 0x80
            ? (UInt32(bytes[offset]), 1) : bytes.withUnsafeBytes { UTF8Scalar.decode(at: offset, in: $0) }
        guard let decoded else { return "invalid UTF-8" }
        let hex = String(decoded.value, radix: 16, uppercase: true)
        return "character U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    // MARK: Fields of an unreadable message

    /// The text of `<name>…</name>`, when it occurs once in `segment` and reads as an element by itself.
    private func fieldText(_ name: String, in segment: Range<Int>) -> String? {
        guard let content = fieldContent(name, in: segment),
              let element = try? MNSXML.parse(Data(Array("<\(name)>".utf8) + bytes[content] + Array("</\(name)>".utf8)))
        else { return nil }
        let text = element.text.trimmingWhitespaceAndNewlines()
        return text.isEmpty ? nil : text
    }

    /// The bytes between `<name>` and the next `</name>`, when `<name>` occurs exactly once.
    private func fieldContent(_ name: String, in segment: Range<Int>) -> Range<Int>? {
        let open = Array("<\(name)>".utf8)
        guard let start = find(open, in: segment),
              find(open, in: start + open.count..<segment.upperBound) == nil,
              let end = find(Array("</\(name)>".utf8), in: start + open.count..<segment.upperBound) else { return nil }
        return start + open.count..<end
    }

    // MARK: Bytes

    /// The first `<Message` or `<Messages` start tag (followed by `>`, `/` or whitespace) in `range`.
    private func firstMessageTag(in range: Range<Int>) -> (start: Int, isBatch: Bool)? {
        var from = range.lowerBound
        while let start = find(Self.messageOpen, in: from..<range.upperBound) {
            var after = start + Self.messageOpen.count
            let isBatch = after < bytes.count && bytes[after] == UInt8(ascii: "s")
            if isBatch { after += 1 }
            if after < bytes.count, bytes[after] == .greaterThan || bytes[after] == .slash || bytes[after].isXMLWhitespace {
                return (start, isBatch)
            }
            from = start + 1
        }
        return nil
    }

    private func find(_ needle: [UInt8], in range: Range<Int>) -> Int? {
        guard let first = needle.first, range.count >= needle.count else { return nil }
        var index = range.lowerBound
        while index <= range.upperBound - needle.count {
            if bytes[index] == first, has(needle, at: index) { return index }
            index += 1
        }
        return nil
    }

    private func has(_ needle: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index + needle.count <= bytes.count else { return false }
        for offset in 0..<needle.count where bytes[index + offset] != needle[offset] { return false }
        return true
    }

    private func skipWhitespace(from index: Int) -> Int {
        var index = index
        while index < bytes.count, bytes[index].isXMLWhitespace { index += 1 }
        return index
    }

    private func isWhitespace(_ range: Range<Int>) -> Bool {
        bytes[range].allSatisfy(\.isXMLWhitespace)
    }

    private static func reads(_ document: [UInt8]) -> Bool {
        (try? MNSXML.parse(Data(document))) != nil
    }
}
