import Foundation

/// Hexadecimal text of bytes, through a 16-entry table: the one hex encoder of the project (MNS
/// digests, quarantine digests, request ids).
///
/// MD5 digests are hex-encoded on every request (`Content-MD5`) and every received message
/// (`MessageBodyMD5`), so this is on the hot path: `String(format: "%02x")` per byte allocates per
/// byte (measured in Benchmarks/README.md); this writes the 2n characters straight into one string.
public enum Hex {
    private static let lowerDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let upperDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `bytes` as hex, two characters per byte, most significant nibble first.
    public static func encode(_ bytes: some ContiguousBytes, uppercase: Bool) -> String {
        let digits = uppercase ? upperDigits : lowerDigits
        return bytes.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { out in
                for (index, byte) in raw.enumerated() {
                    out[2 * index] = digits[Int(byte >> 4)]
                    out[2 * index + 1] = digits[Int(byte & 0x0F)]
                }
                return raw.count * 2
            }
        }
    }
}
