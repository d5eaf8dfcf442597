import Crypto
import Foundation
import SMSLedgerCore

/// Signs requests as Standard Webhooks (standard-webhooks.com) specifies, so a receiver using the
/// official `standardwebhooks` libraries verifies them unchanged: `webhook-signature` is `v1,` and
/// the base64 HMAC-SHA256, keyed with the decoded secret, of `<webhook-id>.<webhook-timestamp>.<body>`.
public struct WebhookSigner: Sendable {
    private let key: SymmetricKey

    /// `nil` when `secret` is not `whsec_` + base64 (the config loader refuses such secrets first).
    public init?(secret: String) {
        guard let bytes = WebhookSigningKey.decode(secret) else { return nil }
        key = SymmetricKey(data: bytes)
    }

    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array("\(id).\(timestamp).".utf8))
        mac.update(data: body)
        return "v1," + Data(mac.finalize()).base64EncodedString()
    }

    /// The three headers of the standard; the timestamp is the attempt's, in whole seconds (a retry is
    /// signed afresh, so a receiver's replay window applies to each attempt, not to the event's age).
    public func headers(id: String, at time: Date, body: [UInt8]) -> [(name: String, value: String)] {
        let timestamp = Int64(time.timeIntervalSince1970.rounded(.down))
        return [("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", signature(id: id, timestamp: timestamp, body: body))]
    }
}
