import Crypto
import Foundation

/// Alibaba Cloud RPC signature, version 1.0 (HMAC-SHA1), as aliyunsdkcore computes it.
///
/// The server signs exactly the parameters it receives, so both our client and the emulator call
/// the same function over the same dictionary: the client over what it sends, the emulator over
/// what arrived (minus `Signature`). See `alibaba-sms-protocol.md` §b.
public enum RPCSignature {
    /// RFC 3986 percent-encoding as the SDK does it: unreserved characters stay, every other UTF-8
    /// byte becomes `%XX` with upper-case hex (space is `%20`, never `+`; `~` stays literal).
    public static func percentEncode(_ string: String) -> String {
        var out = ""
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%"
                out.unicodeScalars.append(hexDigit(byte >> 4))
                out.unicodeScalars.append(hexDigit(byte & 0x0F))
            }
        }
        return out
    }

    private static func hexDigit(_ nibble: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10)
    }

    /// `k=v&k=v` over the parameters sorted by name (byte order), each part percent-encoded.
    public static func canonicalizedQuery(_ parameters: [String: String]) -> String {
        parameters
            .filter { $0.key != "Signature" }
            .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { percentEncode($0.key) + "=" + percentEncode($0.value) }
            .joined(separator: "&")
    }

    /// `METHOD&%2F&percentEncode(canonicalizedQuery)`.
    public static func stringToSign(method: String, parameters: [String: String]) -> String {
        method.uppercased() + "&" + percentEncode("/") + "&" + percentEncode(canonicalizedQuery(parameters))
    }

    /// base64(HMAC-SHA1(key: secret + "&", stringToSign)).
    public static func sign(method: String, parameters: [String: String], secret: String) -> String {
        let key = SymmetricKey(data: Data((secret + "&").utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Data(stringToSign(method: method, parameters: parameters).utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// A query string ready for the wire (parameters plus `Signature`, all percent-encoded).
    public static func signedQuery(method: String, parameters: [String: String], secret: String) -> String {
        var all = parameters
        all["Signature"] = sign(method: method, parameters: parameters, secret: secret)
        return all.sorted { $0.key < $1.key }
            .map { percentEncode($0.key) + "=" + percentEncode($0.value) }
            .joined(separator: "&")
    }

    /// `Timestamp` format: UTC, `yyyy-MM-dd'T'HH:mm:ss'Z'`.
    /// Written by hand (see ``HTTPDate``): a `Calendar` and `String(format:)` per request cost more than
    /// the signature.
    public static func timestamp(_ date: Date) -> String {
        HTTPDate.rpcTimestamp(date)
    }
}
