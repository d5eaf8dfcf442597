import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An address block in CIDR notation (`100.104.0.0/16`, `2001:db8::/32`, or one address), for
/// source allow-lists such as `alibaba_push.allow_from`.
///
/// Addresses are compared as bytes, so there is no text form to get wrong: an IPv4 peer that reaches
/// an IPv6 socket as `::ffff:a.b.c.d` still matches an IPv4 block.
public struct SourceNetwork: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, with the host bits cleared.
    public let prefix: [UInt8]
    public let length: Int

    /// `nil` unless `text` is an address, optionally followed by `/bits` within the family's width.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.addressBytes(String(parts[0])) else { return nil }
        let width = address.count * 8
        var length = width
        if parts.count == 2 {
            guard let bits = Int(parts[1]), (0...width).contains(bits), parts[1].allSatisfy(\.isASCII) else { return nil }
            length = bits
        }
        self.length = length
        prefix = Self.masked(address, to: length)
    }

    public var description: String {
        var storage = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = prefix.count == 4 ? AF_INET : AF_INET6
        let shown = prefix.withUnsafeBytes { bytes in
            inet_ntop(family, bytes.baseAddress, &storage, socklen_t(storage.count)) != nil
        }
        let address = shown ? String(decoding: storage.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        return "\(address)/\(length)"
    }

    /// Whether the address `text` (no port, no brackets) lies in this block.
    public func contains(address text: String) -> Bool {
        guard var address = Self.addressBytes(text) else { return false }
        if address.count == 16, prefix.count == 4, address.prefix(12).elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) {
            address = Array(address.suffix(4))
        }
        guard address.count == prefix.count else { return false }
        return Self.masked(address, to: length) == prefix
    }

    /// The bytes of an IPv4 or IPv6 address in text form, or `nil`.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    private static func masked(_ address: [UInt8], to length: Int) -> [UInt8] {
        address.enumerated().map { index, byte in
            let bits = min(8, max(0, length - index * 8))
            return bits == 8 ? byte : byte & UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
    }
}
