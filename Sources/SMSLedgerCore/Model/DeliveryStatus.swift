/// Where a send stands, in one vocabulary shared by every provider.
///
/// Providers speak different dialects (Alibaba's `success` flag, `SendStatus` 1/2/3, TeleSign codes);
/// the ledger answers "what happened to this message" in these five words and keeps the provider's
/// own code beside them.
public enum DeliveryState: String, Sendable, Codable, CaseIterable, Hashable {
    /// Accepted and on its way; later news is expected.
    case pending
    case delivered
    case failed
    /// The carrier gave up before delivery (validity period ran out).
    case expired
    /// The provider cannot say, or we could not find out in time.
    case unknown
}

/// A normalised status: the state plus whether later news can still change it.
///
/// `isFinal` is separate from `state` because `unknown` can be either: TeleSign 250 is a final
/// "we will never know", 599 and unrecognised codes are not.
public struct DeliveryStatus: Sendable, Hashable, Codable {
    public var state: DeliveryState
    public var isFinal: Bool
    /// For failures: whether the provider calls the cause temporary (worth sending again). `nil` when
    /// the provider does not say.
    public var retryable: Bool?

    public init(state: DeliveryState, isFinal: Bool, retryable: Bool? = nil) {
        self.state = state
        self.isFinal = isFinal
        self.retryable = retryable
    }

    public static let pending = DeliveryStatus(state: .pending, isFinal: false)
    public static let delivered = DeliveryStatus(state: .delivered, isFinal: true)

    /// The merge rule of the ledger: may a send whose current status is `self` move to `next`?
    ///
    /// A final state is never replaced, so a late intermediate report (or a stale compensation
    /// answer) cannot undo a delivery. A non-final state may be replaced by anything, including
    /// another non-final one, because the newest intermediate news is the most useful.
    public func accepts(_ next: DeliveryStatus) -> Bool {
        !isFinal
    }
}
