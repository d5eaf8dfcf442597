import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A response as read off the socket.
public struct RawResponse: Sendable {
    public var status: Int
    /// Lower-cased names.
    public var headers: [String: String]
    public var body: String

    /// The body as a JSON object (empty when it is not one).
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

public enum RawHTTPError: Error {
    case connect(Int32)
    case closedEarly(partial: String)
    case malformed(String)
}

/// A blocking HTTP/1.1 client over a plain socket, so tests control every byte of the request line
/// (absolute-form targets, raw `+` in queries), header names, exact bodies and bogus lengths, all of
/// which URLSession would normalise. Shared by the emulator, listener and daemon tests.
///
/// Blocking calls run on their own `Thread`, never on the Swift concurrency pool, which the
/// emulator's handlers need (the machine has two cores).
public final class RawConnection: @unchecked Sendable {
    // @unchecked: used by one test at a time; every call runs to completion before the next.
    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let result = connectLoopback(fd, port: port)
        // No close here: `deinit` runs for an initialiser that throws once every property is set, and
        // a second close could hit a descriptor another thread has just been given (libdispatch's
        // epoll descriptor, say, which kills the process with a silent SIGILL).
        guard result == 0 else { throw RawHTTPError.connect(errno) }
    }

    deinit { if fd >= 0 { close(fd) } }

    public func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    /// Reads one response (Content-Length framed); throws if the peer closes first.
    public func readResponse() throws -> RawResponse {
        while true {
            if let response = try parse() { return response }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw RawHTTPError.closedEarly(partial: String(decoding: buffer, as: UTF8.self)) }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    /// True when the peer has closed (reads EOF).
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) <= 0
    }

    private func parse() throws -> RawResponse? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = buffer.indices.dropLast(3).first(where: { Array(buffer[$0..<$0 + 4]) == separator }) else {
            return nil
        }
        let head = String(decoding: buffer[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw RawHTTPError.malformed(head[0]) }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end + 4
        guard buffer.count >= bodyStart + length else { return nil }
        let body = String(decoding: buffer[bodyStart..<bodyStart + length], as: UTF8.self)
        buffer.removeFirst(bodyStart + length)
        return RawResponse(status: status, headers: headers, body: body)
    }
}

public enum RawHTTP {
    /// Runs blocking socket work on a fresh thread.
    public static func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// One request on a new connection.
    public static func send(port: Int, method: String, target: String, headers: [(String, String)] = [],
                     body: String = "") async throws -> RawResponse {
        try await offThread {
            let connection = try RawConnection(port: port)
            connection.write(format(method: method, target: target, headers: headers, body: body))
            return try connection.readResponse()
        }
    }

    public static func format(method: String, target: String, headers: [(String, String)], body: String) -> String {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        return text
    }
}

/// Connects `fd` (an AF_INET stream socket) to 127.0.0.1:`port`; `connect`'s result. Closes nothing:
/// the caller owns the descriptor (see `RawConnection.init` for why a failed connect is not closed here).
func connectLoopback(_ fd: Int32, port: Int) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}
