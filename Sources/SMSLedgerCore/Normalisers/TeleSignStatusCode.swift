/// TeleSign SMS status codes and what each means for the ledger.
///
/// One table, copied from the reference status model, so a reviewer can check every row against the
/// provider's list in one place. `retryable` is only set for failures and expiry: `true` where TeleSign
/// calls the cause temporary (sending again later may work), `false` where it is permanent.
///
/// Non-final codes (203, 290, 292, 295, 599) are progress or "no news yet"; 250 is final *and*
/// unknown ("we will never know"). A code missing here is stored as `unknown`, non-final, code kept,
/// with a warning, so one new code from TeleSign does not lose a callback.
public enum TeleSignStatusCode {
    private static let failedPermanent = DeliveryStatus(state: .failed, isFinal: true, retryable: false)
    private static let failedTemporary = DeliveryStatus(state: .failed, isFinal: true, retryable: true)
    private static let pending = DeliveryStatus(state: .pending, isFinal: false)

    public static let table: [Int: (status: DeliveryStatus, text: String)] = [
        200: (.delivered, "Delivered to handset"),
        203: (pending, "Delivered to gateway"),
        207: (failedPermanent, "Error delivering SMS to handset (reason unknown)"),
        210: (failedTemporary, "Temporary phone error"),
        211: (failedPermanent, "Permanent phone error"),
        220: (failedPermanent, "Gateway/network cannot route message"),
        221: (DeliveryStatus(state: .expired, isFinal: true, retryable: true), "Message expired before delivery"),
        222: (failedPermanent, "SMS not supported"),
        229: (failedPermanent, "Message blocked by your request"),
        230: (failedPermanent, "Message blocked by TeleSign"),
        231: (failedPermanent, "Invalid/unsupported"),
        234: (failedPermanent, "Price threshold exceeded"),
        237: (failedPermanent, "Message blocked in requested country"),
        238: (failedPermanent, "Destination blocked by prefix"),
        250: (DeliveryStatus(state: .unknown, isFinal: true), "Final status unknown"),
        286: (failedPermanent, "Transaction not attempted"),
        290: (pending, "Message in progress"),
        292: (pending, "Queued by gateway"),
        295: (pending, "Status delayed"),
        500: (failedPermanent, "Transaction not attempted"),
        502: (failedPermanent, "Campaign error"),
        503: (failedTemporary, "Carrier rejected – temporary problem"),
        504: (failedPermanent, "Carrier rejected – permanent error"),
        505: (failedTemporary, "Error on gateway – temporary error"),
        506: (failedPermanent, "Error on gateway – permanent error"),
        507: (failedPermanent, "Invalid destination address"),
        508: (failedPermanent, "Invalid source address"),
        510: (failedPermanent, "Message blocked by subscriber action or request"),
        511: (failedTemporary, "Subscriber low on credit"),
        512: (failedTemporary, "Roaming error"),
        513: (failedPermanent, "Mobile number portability error"),
        514: (failedTemporary, "Subscriber absent"),
        515: (failedPermanent, "Suspected spam"),
        599: (DeliveryStatus(state: .unknown, isFinal: false), "Status not available"),
    ]

    /// What an unrecognised code becomes: later news may still settle the send.
    public static let unknownStatus = DeliveryStatus(state: .unknown, isFinal: false)

    /// The status for `code`, and whether the code was in the table.
    public static func status(for code: Int) -> (status: DeliveryStatus, text: String?, isKnown: Bool) {
        guard let entry = table[code] else { return (unknownStatus, nil, false) }
        return (entry.status, entry.text, true)
    }
}
