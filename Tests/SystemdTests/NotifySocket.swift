import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `AF_UNIX` datagram socket in a temporary directory, standing in for systemd's notify
/// socket, so tests see the exact bytes `sd_notify` sends.
final class NotifySocket {
    let path: String
    private let directory: String
    private let fd: Int32

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        var template = Array("/tmp/sdnotify-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SetupError(description: "mkdtemp: \(errno)") }
        directory = String(cString: made)
        path = directory + "/notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError(description: "socket: \(errno)") }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw SetupError(description: "bind: \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next datagram as text, or `nil` after the 5 s receive timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// `true` when no datagram is waiting right now.
    func isEmpty() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) < 0
    }

    deinit {
        close(fd)
        unlink(path)
        rmdir(directory)
    }
}
