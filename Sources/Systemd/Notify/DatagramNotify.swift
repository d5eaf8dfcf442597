#if canImport(Glibc)
import Glibc
#endif

/// The sd_notify wire protocol for an explicit socket: one `AF_UNIX` datagram with the text.
/// Used only for ``SystemdNotifier/Target/socket(_:)``; production goes through `sd_notify`.
/// Sent with `MSG_DONTWAIT`: a listener that stopped reading (a finished test) must not block the
/// daemon, whose notifications are advisory.
enum DatagramNotify {
    static func send(_ message: String, to path: String) -> NotifyResult {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(errno: errno) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return .failed(errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let sent = message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text, strlen(text), Int32(MSG_DONTWAIT), $0, length)
                }
            }
        }
        return sent >= 0 ? .sent : .failed(errno: errno)
    }
}
