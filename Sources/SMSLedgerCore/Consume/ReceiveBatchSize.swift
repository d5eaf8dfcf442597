/// How many messages the next receive on one queue asks for.
///
/// Normally the configured batch size. When a receive answer cannot be read as a whole and no
/// receipt handle can be recovered from it, one message in it is (almost always) the cause, and
/// asking for the same number again brings the same neighbours back with it once their visibility
/// timeout ends. So each such answer halves the size, down to 1, until the breaking message comes
/// alone and the others get through around it; the first answer that reads with messages in it
/// restores the configured size.
///
/// | event                        | next size                         |
/// |------------------------------|-----------------------------------|
/// | unreadable answer            | half the current size, at least 1 |
/// | answer read, 1+ messages     | the configured size               |
/// | answer read, empty; failures | unchanged                         |
///
/// An empty answer proves nothing (the breaking message may just be invisible), so it restores nothing.
public struct ReceiveBatchSize: Sendable, Equatable {
    /// The reduced size, or nil while the configured size applies.
    public private(set) var reduced: Int?

    public init() {}

    /// The size for the next receive. A configured size below the reduced one (after a reload) wins.
    public func next(configured: Int) -> Int {
        max(1, min(reduced ?? configured, configured))
    }

    /// The answer to a receive of `next(configured:)` messages could not be read at all.
    public mutating func answerUnreadable(configured: Int) {
        reduced = max(1, next(configured: configured) / 2)
    }

    /// An answer was read; `count` is how many messages (readable or not) it held.
    public mutating func answerRead(count: Int) {
        if count > 0 { reduced = nil }
    }
}
