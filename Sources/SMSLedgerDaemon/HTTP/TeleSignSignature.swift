import Crypto
import Foundation

/// Verifies the signature TeleSign puts on its status callbacks: a base64 HMAC-SHA256 over the raw
/// request body, keyed with the base64-decoded API key.
///
/// Checked on the bytes exactly as received, before any parsing, so a forged body never reaches the
/// JSON parser or the ledger.
///
/// What is accepted, in either the `Authorization` or the `X-TS-Authorization` header (every value of
/// both is tried, so a reverse proxy that uses `Authorization` for itself does not break the check):
///
/// | header value                      | signature read from         |
/// |-----------------------------------|-----------------------------|
/// | `<sig>`                           | the whole value             |
/// | `<scheme> <sig>`                  | after the first space       |
/// | `<scheme> <customer id>:<sig>`    | after the last `:`          |
///
/// `<scheme>` is any token (TeleSign sends `TSA`); the customer id is not checked, because the key
/// alone proves who signed. `<sig>` is standard base64 (`+/`), padding optional, of exactly 32 bytes.
/// Comparison is constant-time. Anything else is ``Verdict/invalid``.
public struct TeleSignSignature: Sendable {
    /// Header names that may carry the signature, in the order they are tried.
    public static let headerNames = ["Authorization", "X-TS-Authorization"]

    /// The outcome of checking one request.
    public enum Verdict: Sendable, Hashable {
        case valid
        /// Neither header was present.
        case missing
        /// A header was present but no value held a matching signature.
        case invalid
    }

    private let key: SymmetricKey

    /// - Parameter base64Key: the API key as TeleSign shows it (base64 text). `nil` when it does not decode.
    public init?(base64Key: String) {
        guard let bytes = Data(base64Encoded: base64Key.trimmingCharacters(in: .whitespacesAndNewlines)),
              !bytes.isEmpty else { return nil }
        key = SymmetricKey(data: bytes)
    }

    /// The base64 signature of `body`, as TeleSign would send it. Used by tests and by anyone who wants
    /// to replay a callback by hand.
    public func signature(for body: some DataProtocol) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: key)).base64EncodedString()
    }

    /// Checks `headerValues` (the values of ``headerNames``, in any order) against `body`.
    public func verify(body: some DataProtocol, headerValues: [String]) -> Verdict {
        guard !headerValues.isEmpty else { return .missing }
        let expected = Array(HMAC<SHA256>.authenticationCode(for: body, using: key))
        // Every value is checked even after a match, so the time taken does not depend on which matched.
        var matched = false
        for value in headerValues {
            guard let presented = Self.presentedSignature(value) else { continue }
            if ConstantTime.equals(presented, expected) { matched = true }
        }
        return matched ? .valid : .invalid
    }

    /// The 32 signature bytes a header value carries, or `nil` when it has none of the accepted shapes.
    static func presentedSignature(_ headerValue: String) -> [UInt8]? {
        var text = Substring(headerValue.trimmingCharacters(in: .whitespaces))
        if let space = text.firstIndex(of: " ") {
            text = text[text.index(after: space)...].drop(while: { $0 == " " })
        }
        if let colon = text.lastIndex(of: ":") {
            text = text[text.index(after: colon)...]
        }
        guard !text.isEmpty, text.count <= 64 else { return nil }
        var base64 = String(text)
        while base64.count % 4 != 0 { base64.append("=") }
        guard let bytes = Data(base64Encoded: base64), bytes.count == SHA256.byteCount else { return nil }
        return Array(bytes)
    }
}

/// Comparisons whose running time does not depend on where two secrets first differ.
enum ConstantTime {
    /// `true` when both byte strings are equal. Unequal lengths return `false` at once: only the
    /// length leaks, and callers compare fixed-length digests.
    static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }

    /// Compares two texts through their SHA-256 digests, so neither the content nor the length of the
    /// expected secret leaks through timing (used for bearer tokens).
    static func textEquals(_ presented: String, _ expected: String) -> Bool {
        equals(Array(SHA256.hash(data: Data(presented.utf8))), Array(SHA256.hash(data: Data(expected.utf8))))
    }
}
