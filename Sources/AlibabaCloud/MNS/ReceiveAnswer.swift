import Foundation

/// What one BatchReceiveMessage answer held, message by message.
///
/// One unreadable `<Message>` (a body with a character XML 1.0 forbids, a missing field) must not
/// cost the others their delivery: if it made the whole answer fail, the same batch would come back
/// after every visibility timeout and the good messages in it would never be stored. So the answer
/// is read message by message, and what cannot be read is handed over with whatever could be
/// recovered from it, for the caller to quarantine and delete.
public struct BatchReceiveAnswer: Sendable, Hashable {
    /// The messages that were read, in answer order.
    public var messages: [ReceivedMessage]
    /// The `<Message>` elements that could not be read, in answer order.
    public var unreadable: [UnreadableMessage]

    public init(messages: [ReceivedMessage] = [], unreadable: [UnreadableMessage] = []) {
        self.messages = messages
        self.unreadable = unreadable
    }

    public var isEmpty: Bool { messages.isEmpty && unreadable.isEmpty }
    /// Everything the answer handed out, readable or not.
    public var count: Int { messages.count + unreadable.count }
}

/// A `<Message>` of a receive answer that could not be read, with what could be recovered from it.
public struct UnreadableMessage: Sendable, Hashable {
    /// The `MessageId`, when it could be read on its own.
    public var messageId: String?
    /// The handle, when it could be read on its own. Without one the message cannot be deleted: it
    /// comes back after its visibility timeout, and nothing can be done about it from here.
    public var receiptHandle: ReceiptHandle?
    /// The raw bytes of the `MessageBody` element's content when it could be located (so that the
    /// same body quarantined twice is recognised as the same), otherwise of the whole `<Message>`.
    public var raw: Data
    /// Why it could not be read, for the quarantine row and the log: which rule and at which byte
    /// of the answer.
    public var reason: String

    public init(messageId: String?, receiptHandle: ReceiptHandle?, raw: Data, reason: String) {
        self.messageId = messageId
        self.receiptHandle = receiptHandle
        self.raw = raw
        self.reason = reason
    }
}
