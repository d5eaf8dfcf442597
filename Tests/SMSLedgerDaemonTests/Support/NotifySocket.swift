import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bound AF_UNIX datagram socket standing in for systemd's notify socket.
final class NotifySocket: @unchecked Sendable {
    // Safety: `fd` is set once; reads happen from one test at a time.
    let path: String
    private let fd: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Every datagram that arrives within `duration`.
    func messages(for duration: Duration) -> [String] {
        var received: [String] = []
        let deadline = ContinuousClock.now + duration
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
        }
        return received
    }

    /// Waits until a datagram satisfying `predicate` arrives; returns everything read on the way.
    /// The blocking reads run on a Dispatch queue: blocking one of the few threads of Swift's
    /// cooperative pool would starve the daemon under test.
    func waitFor(timeout: Duration = .seconds(20), _ predicate: @escaping @Sendable (String) -> Bool) async -> [String]? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.blockingWaitFor(timeout: timeout, predicate))
            }
        }
    }

    /// Every datagram that arrives within `duration`, read off the cooperative pool.
    func collect(for duration: Duration) async -> [String] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.messages(for: duration)) }
        }
    }

    private func blockingWaitFor(timeout: Duration, _ predicate: (String) -> Bool) -> [String]? {
        var seen: [String] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let batch = messages(for: .milliseconds(100))
            seen += batch
            if batch.contains(where: predicate) { return seen }
        }
        return nil
    }
}
