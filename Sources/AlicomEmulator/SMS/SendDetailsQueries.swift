import Foundation
import Synchronization

/// How often QuerySendDetails was asked about one phone on one Beijing send date, and when: lets a
/// test check that daemons sharing a ledger ask about each send once (`GET /_emulator/queries`).
public struct SendDetailsQueryCount: Sendable, Codable, Hashable {
    public var phoneNumber: String
    /// `yyyyMMdd`, as the caller sent it.
    public var sendDate: String
    /// Calls, answered or refused; a lookup of several pages counts each page.
    public var count: Int
    /// The first and the last call, milliseconds since the Unix epoch.
    public var firstAtMillis: Int64
    public var lastAtMillis: Int64
}

/// The counters behind ``SendDetailsQueryCount``, keyed by phone number and send date.
final class SendDetailsQueryLog: Sendable {
    private struct Key: Hashable {
        var phoneNumber: String
        var sendDate: String
    }

    private let counts = Mutex<[Key: SendDetailsQueryCount]>([:])

    func record(phoneNumber: String, sendDate: String, now: Date) {
        let millis = now.epochMillis
        counts.withLock { counts in
            let key = Key(phoneNumber: phoneNumber, sendDate: sendDate)
            var entry = counts[key] ?? SendDetailsQueryCount(phoneNumber: phoneNumber, sendDate: sendDate, count: 0,
                                                             firstAtMillis: millis, lastAtMillis: millis)
            entry.count += 1
            entry.lastAtMillis = millis
            counts[key] = entry
        }
    }

    /// Every counter, by phone number, then send date.
    func all() -> [SendDetailsQueryCount] {
        counts.withLock { Array($0.values) }.sorted { ($0.phoneNumber, $0.sendDate) < ($1.phoneNumber, $1.sendDate) }
    }

    func removeAll() {
        counts.withLock { $0.removeAll() }
    }
}
