import SMSLedgerCore
import AlibabaCloud
import Crypto

/// `MessageBodyMD5`: upper-case hex MD5 of the stored body text (the same as
/// `MNSSignature.messageBodyMD5`, without copying the text into a `Data` first).
enum BodyDigest {
    static func upperHexMD5(_ text: String) -> String {
        Hex.encode(Insecure.MD5.hash(data: Array(text.utf8)), uppercase: true)
    }
}
