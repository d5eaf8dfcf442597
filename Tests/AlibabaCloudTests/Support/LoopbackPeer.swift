import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 peer on 127.0.0.1 built on blocking POSIX sockets, so transport tests need no
/// server framework. It accepts connections on a background thread and, per connection, reads one
/// request and then behaves as told.
///
/// `@unchecked Sendable`: the mutable state (`captured`, `open`, `stopping`) is only touched while
/// holding `lock`; the socket descriptor is immutable after `init`.
///
/// Descriptors are closed only once the accept thread has ended: a descriptor closed while that
/// thread could still use it may be handed to another thread at once (a NIO socket, libdispatch's
/// epoll descriptor), and the stale `accept`, `send` or `close` would then hit that one instead.
final class LoopbackPeer: @unchecked Sendable {
    enum Behaviour: Sendable {
        /// Write this raw response (status line, headers, body) and close.
        case respond(String)
        /// Read the request, then never answer (until stopped).
        case silent
        /// Read the request, then reset the connection (SO_LINGER 0).
        case reset
    }

    let port: UInt16
    private let listener: Int32
    private let behaviour: Behaviour
    private let lock = NSLock()
    private var captured: [String] = []
    private var open: [Int32] = []
    private var stopping = false
    private let acceptLoopEnded = DispatchSemaphore(value: 0)

    init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PeerError.socket }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw PeerError.socket
        }
        listener = fd
        port = Self.boundPort(fd)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// The request heads (and bodies) received so far, as raw text.
    var requests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return captured
    }

    /// Wakes the accept thread (shutting the sockets down ends its blocking calls), waits for it to
    /// end, then closes every descriptor. Call once.
    func stop() {
        lock.lock()
        stopping = true
        let connections = open
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        connections.forEach { shutdown($0, Int32(SHUT_RDWR)) }
        acceptLoopEnded.wait()
        lock.lock()
        let remaining = open
        open.removeAll()
        lock.unlock()
        remaining.forEach { close($0) }
        close(listener)
    }

    /// A port nothing listens on: bound but never listening, so a connect is refused, and held until
    /// `release` so no other test's server can take it while the client retries its connect (it
    /// did: the retrying client then reached an emulator and got an HTTP answer).
    static func closedPort() throws -> (port: UInt16, release: @Sendable () -> Void) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: 0)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return (boundPort(fd), { close(fd) })
    }

    private func acceptLoop() {
        defer { acceptLoopEnded.signal() }
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            lock.lock()
            open.append(fd)  // before reading, so that `stop` can wake a read that never completes
            let stopped = stopping
            lock.unlock()
            if stopped { return }
            let request = readRequest(fd)
            lock.lock()
            captured.append(request)
            lock.unlock()
            switch behaviour {
            case .respond(let text):
                let bytes = Array(text.utf8)
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                shutdown(fd, Int32(SHUT_WR))
            case .silent:
                break
            case .reset:
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                lock.lock()
                open.removeAll { $0 == fd }
                lock.unlock()
                close(fd)
            }
        }
    }

    /// Reads the head and a `Content-Length` body.
    private func readRequest(_ fd: Int32) -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            data += buffer[0..<count]
            let text = String(decoding: data, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<end.lowerBound].lowercased()
            let length = head.split(separator: "\r\n")
                .first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text.utf8.count - text[..<end.upperBound].utf8.count >= length { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func boundPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    enum PeerError: Error { case socket }
}
