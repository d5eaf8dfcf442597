import SMSLedgerCore
import Crypto
import Foundation

/// The MNS request signature (`Authorization: MNS <AccessKeyId>:<signature>`).
///
/// String-to-sign: `VERB\nContent-MD5\nContent-Type\nDate\n` + sorted `x-mns-*` headers
/// (`name:value\n`, names lower-cased) + the path and query **exactly as sent**. The `security-token`
/// header is added after signing and is not part of it. The key is the secret itself (no `&`).
public enum MNSSignature {
    public static func stringToSign(method: String, contentMD5: String?, contentType: String?, date: String,
                                    headers: [(name: String, value: String)], resource: String) -> String {
        let mnsHeaders = headers
            .map { (name: $0.name.lowercased(), value: $0.value.trimmingWhitespace()) }
            .filter { $0.name.hasPrefix("x-mns-") }
            .sorted { $0.name < $1.name }
            .map { "\($0.name):\($0.value)\n" }
            .joined()
        return [method.uppercased(), contentMD5 ?? "", contentType ?? "", date].joined(separator: "\n")
            + "\n" + mnsHeaders + resource
    }

    /// base64(HMAC-SHA1(key: secret, stringToSign)).
    public static func sign(stringToSign: String, secret: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The `Authorization` header value.
    public static func authorization(accessKeyId: String, secret: String, stringToSign: String) -> String {
        "MNS \(accessKeyId):\(sign(stringToSign: stringToSign, secret: secret))"
    }

    /// `Content-MD5` as the Python and Go MNS SDKs send it: base64 of the *lower-case hex text* of the
    /// MD5 digest, not of the 16 raw bytes.
    public static func contentMD5(_ body: Data) -> String {
        Data(hexMD5(body, uppercase: false).utf8).base64EncodedString()
    }

    /// `MessageBodyMD5`: upper-case hex MD5 of the body text exactly as stored (the base64 string).
    public static func messageBodyMD5(_ body: String) -> String {
        hexMD5(Data(body.utf8), uppercase: true)
    }

    public static func hexMD5(_ data: Data, uppercase: Bool) -> String {
        Hex.encode(Insecure.MD5.hash(data: data), uppercase: uppercase)
    }

    /// RFC 1123 GMT date with POSIX day and month names, as the `Date` header wants it
    /// (`Tue, 05 Mar 2024 06:07:08 GMT`). Written by hand: see ``HTTPDate``.
    public static func httpDate(_ date: Date) -> String {
        HTTPDate.format(date)
    }

    /// Parses an RFC 1123 `Date` header (`EEE, dd MMM yyyy HH:mm:ss GMT`, `UTC` also accepted);
    /// `nil` when it is not exactly one.
    public static func parseHTTPDate(_ text: String) -> Date? {
        HTTPDate.parse(text)
    }
}
