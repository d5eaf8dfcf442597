import Crypto

/// `MessageBodyMD5`: upper-case hex MD5 of the stored body text.
///
/// Same result as `MNSSignature.messageBodyMD5`, but hex-encoded through a table: that one formats
/// each byte with `String(format:)`, which dominated the cost of preloading 200,000 messages.
enum BodyDigest {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    static func upperHexMD5(_ text: String) -> String {
        let digest = Insecure.MD5.hash(data: Array(text.utf8))
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for byte in digest {
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
