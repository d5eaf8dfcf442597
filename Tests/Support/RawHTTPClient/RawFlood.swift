import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Many raw connections held open at once, for tests of what a server does under a connection
/// flood: idle clients, clients that send a request a byte at a time, clients beyond a cap.
///
/// One thread watches every socket with `poll(2)`, so hundreds of connections cost no threads.
/// Blocking; run it with ``RawHTTP/offThread(_:)``.
public final class RawFlood: @unchecked Sendable {
    // @unchecked: used by one test at a time, from one thread at a time.
    /// How one connection ended, as the client saw it.
    public struct Closure: Sendable {
        /// Seconds from the flood's start until the client read EOF (or a reset).
        public var after: Double
        /// Whatever the server wrote before closing (a `408` answer, say), as text.
        public var received: String
    }

    private var fds: [Int32] = []
    private var closures: [Int: Closure] = [:]
    private var received: [Int: [UInt8]] = [:]
    public let started = Date()

    /// Opens `count` connections to 127.0.0.1:`port`. Raises the descriptor soft limit first when
    /// `count` (times two: the server's ends live in this process too) would come near it.
    public init(port: Int, count: Int) throws {
        RawFlood.raiseDescriptorLimit(toAtLeast: rlim_t(count * 2 + 1024))
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw RawHTTPError.connect(errno) }
            fds.append(fd)
            guard connectLoopback(fd, port: port) == 0 else { throw RawHTTPError.connect(errno) }
        }
    }

    deinit { closeAll() }

    /// Closes every connection from the client's side.
    public func closeAll() {
        for fd in fds where fd >= 0 { close(fd) }
        fds = fds.map { _ in -1 }
    }

    public var count: Int { fds.count }

    /// Connections the server has closed so far.
    public var closedCount: Int { closures.count }

    /// How each closed connection ended, by index.
    public var ended: [Int: Closure] { closures }

    /// Sends `text` on every connection still open.
    public func writeAll(_ text: String) {
        let bytes = Array(text.utf8)
        for (index, fd) in fds.enumerated() where closures[index] == nil {
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    /// Watches every socket until all are closed by the server or `timeout` passes; every
    /// `dribbleEvery` seconds sends the next byte of `dribble` on those still open (a slow client).
    /// Returns how many were closed.
    @discardableResult
    public func waitForClosures(timeout: TimeInterval, dribble: String = "", dribbleEvery: TimeInterval = 1) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        let slowBytes = Array(dribble.utf8)
        var nextByte = 0
        var nextDribble = Date()
        while closures.count < fds.count, Date() < deadline {
            if nextByte < slowBytes.count, Date() >= nextDribble {
                for (index, fd) in fds.enumerated() where closures[index] == nil && !hasSomethingToRead(fd) {
                    var byte = slowBytes[nextByte]
                    _ = send(fd, &byte, 1, Int32(MSG_NOSIGNAL))
                }
                nextByte += 1
                nextDribble = Date().addingTimeInterval(dribbleEvery)
            }
            pollOnce(timeoutMs: 50)
        }
        return closures.count
    }

    /// True when the server has written or closed: then sending more would only provoke a reset
    /// that could discard its answer before we read it.
    private func hasSomethingToRead(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    private func pollOnce(timeoutMs: Int32) {
        let open = fds.indices.filter { closures[$0] == nil }
        var entries = open.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
        guard poll(&entries, nfds_t(entries.count), timeoutMs) > 0 else { return }
        for (slot, entry) in entries.enumerated() where entry.revents != 0 {
            let index = open[slot]
            var chunk = [UInt8](repeating: 0, count: 4096)
            let got = chunk.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if got > 0 {
                received[index, default: []].append(contentsOf: chunk[0..<got])
            } else if got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                closures[index] = Closure(after: Date().timeIntervalSince(started),
                                          received: String(decoding: received[index] ?? [], as: UTF8.self))
            }
        }
    }

    /// Raises this process's soft `RLIMIT_NOFILE` to at least `wanted` (bounded by the hard limit),
    /// so a flood test does not fail for want of descriptors where `ulimit -n` is 1024.
    public static func raiseDescriptorLimit(toAtLeast wanted: rlim_t) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < wanted else { return }
        limit.rlim_cur = min(max(wanted, limit.rlim_cur), limit.rlim_max)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
