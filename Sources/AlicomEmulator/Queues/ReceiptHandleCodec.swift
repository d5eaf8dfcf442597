import Foundation

/// Receipt handles that name a message and one particular receive of it.
///
/// Layout: `<dequeueCount>-` + base64 of 13 bytes: message key (6, big-endian), a fixed marker
/// `FB F?`, the receive generation (4) and one random byte. The marker sits on a base64 group
/// boundary and always encodes as `+/`, and 13 bytes always end in `==`: every handle the emulator
/// issues therefore carries the three characters that break naive URL handling (`+` read as a
/// space, `/`, `=`), so clients exercise the raw-handle rule on every delete, as they must against
/// the real service (whose handles look like `1-ODU4OTkzNDU5My0xNDMyNzI3ODI3LTItOA==`).
///
/// Because the handle carries the generation, no handle table is needed: a handle is current only
/// while the message's generation still matches and its visibility has not run out.
enum ReceiptHandleCodec {
    struct Decoded: Equatable {
        var key: UInt64
        var generation: UInt32
    }

    static func encode(key: UInt64, generation: UInt32, dequeueCount: Int, salt: UInt8) -> String {
        var bytes = [UInt8](repeating: 0, count: 13)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: key >> (8 * (5 - index))) }
        bytes[6] = 0xFB
        bytes[7] = 0xF0 | (salt & 0x0F)
        for index in 0..<4 { bytes[8 + index] = UInt8(truncatingIfNeeded: generation >> (8 * (3 - index))) }
        bytes[12] = salt
        return "\(dequeueCount)-" + Data(bytes).base64EncodedString()
    }

    /// `nil` for anything this emulator could not have issued (a `ReceiptHandleError`).
    static func decode(_ handle: String) -> Decoded? {
        guard let dash = handle.firstIndex(of: "-"), Int(handle[..<dash]) != nil,
              let data = Data(base64Encoded: String(handle[handle.index(after: dash)...])), data.count == 13
        else { return nil }
        let bytes = [UInt8](data)
        guard bytes[6] == 0xFB, bytes[7] & 0xF0 == 0xF0 else { return nil }
        let key = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let generation = bytes[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Decoded(key: key, generation: generation)
    }
}
