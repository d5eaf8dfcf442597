#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the HTTP listener binds: `host:port`, with IPv6 hosts in brackets (`[::1]:8787`).
///
/// ``isLoopback`` decides whether the callback endpoint may run without a bearer token: only the
/// local machine can reach 127.0.0.0/8, `::1` and `localhost`, anything else is the network.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Without brackets: `127.0.0.1`, `::1`, `localhost`, `0.0.0.0`.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public static let defaultCallbackListener = ListenAddress(host: "127.0.0.1", port: 8787)

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var isLoopback: Bool {
        if host.lowercased() == "localhost" { return true }
        if let octets = Self.ipv4(host) { return octets[0] == 127 }
        if let bytes = Self.ipv6(host) {
            let isLoopback = bytes == [UInt8](repeating: 0, count: 15) + [1]
            let isMappedLoopbackV4 = bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] && bytes[12] == 127
            return isLoopback || isMappedLoopbackV4
        }
        return false
    }

    /// Parses `host:port`. The error text is a complete explanation for the operator.
    public static func parse(_ text: String) -> Result<ListenAddress, ListenAddressError> {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.init("missing ']' after the IPv6 address")) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(.init("expected ':port' after ']'")) }
            portText = rest.dropFirst()
            guard ipv6(String(host)) != nil else { return .failure(.init("'\(host)' is not an IPv6 address")) }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(.init("expected host:port such as 127.0.0.1:8787"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return .failure(.init("write IPv6 addresses in brackets, such as [::1]:8787")) }
            if host.isEmpty { return .failure(.init("missing host; use 0.0.0.0 for all IPv4 addresses or 127.0.0.1 for this machine only")) }
            let validName = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
            guard validName else { return .failure(.init("'\(host)' is not a host name or IPv4 address")) }
        }
        guard let port = Int(portText), (0...65535).contains(port), portText.allSatisfy(\.isNumber) else {
            return .failure(.init("port must be a number in 0...65535"))
        }
        return .success(ListenAddress(host: String(host), port: port))
    }

    private static func ipv4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}

/// Why a `listen` value was refused.
public struct ListenAddressError: Error, Sendable, Equatable {
    public var message: String
    init(_ message: String) { self.message = message }
}
