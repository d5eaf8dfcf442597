import Synchronization
import SMSLedgerCore
import Foundation

/// Temporary MNS credentials as QueryTokenForMnsQueue hands them out.
public struct IssuedToken: Sendable, Hashable, Codable {
    public var accessKeyId: String
    public var accessKeySecret: String
    public var securityToken: String
    /// The queue this token may touch; any other queue answers `AccessDeniedByRamPolicy`.
    public var queueName: String
    public var createdAt: Date
    public var expiresAt: Date
}

/// Who signed an MNS request, as far as the key store can tell.
enum MNSCredential {
    /// The configured long-term key: every queue, no security token.
    case longTerm(secret: String)
    case temporary(IssuedToken)
}

/// Issues and remembers STS-style tokens, and answers which secret belongs to an access key id.
final class TokenIssuer: Sendable {
    private let longTermId: String
    private let longTermSecret: String
    private let lifetime: TimeInterval
    private let tokens = Mutex([String: IssuedToken]())

    init(longTermId: String, longTermSecret: String, lifetime: TimeInterval) {
        self.longTermId = longTermId
        self.longTermSecret = longTermSecret
        self.lifetime = lifetime
    }

    func issue(queueName: String, now: Date) -> IssuedToken {
        let token = IssuedToken(
            accessKeyId: "STS." + Self.randomText(25, alphabet: Self.alphanumerics),
            accessKeySecret: Self.randomText(44, alphabet: Self.alphanumerics),
            // Real tokens are long base64 with `+`, `/` and `=`; so are ours, to exercise header handling.
            securityToken: "CAIS" + Data((0..<180).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
            queueName: queueName, createdAt: now, expiresAt: now.addingTimeInterval(lifetime))
        tokens.withLock { tokens in
            // Forget tokens that died more than a day ago, so a long-running emulator stays small.
            if tokens.count > 10_000 {
                tokens = tokens.filter { $0.value.expiresAt > now.addingTimeInterval(-86_400) }
            }
            tokens[token.accessKeyId] = token
        }
        return token
    }

    func credential(for accessKeyId: String) -> MNSCredential? {
        if accessKeyId == longTermId { return .longTerm(secret: longTermSecret) }
        return tokens.withLock { $0[accessKeyId] }.map(MNSCredential.temporary)
    }

    /// "Tokens that die early": every token issued so far expires now.
    func expireAll(now: Date) {
        tokens.withLock { tokens in
            for (id, token) in tokens where token.expiresAt > now { tokens[id]?.expiresAt = now }
        }
    }

    func removeAll() {
        tokens.withLock { $0.removeAll() }
    }

    func all() -> [IssuedToken] {
        tokens.withLock { Array($0.values) }.sorted { $0.createdAt < $1.createdAt }
    }

    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    private static func randomText(_ length: Int, alphabet: [Character]) -> String {
        String((0..<length).map { _ in alphabet.randomElement() ?? "A" })
    }
}

/// `SignatureNonce` values seen within the skew window; a repeat is a replay.
///
/// Entries older than twice the skew tolerance are dropped in arrival order (a FIFO beside the set),
/// so memory stays bounded by the request rate, not by uptime.
final class NonceRegistry: Sendable {
    private struct State {
        var seen = Set<String>()
        var order = RingBuffer<(EpochMillis, String)>()
    }

    private let state = Mutex(State())
    private let retentionMillis: EpochMillis

    init(retention: TimeInterval) {
        retentionMillis = EpochMillis(retention * 1000)
    }

    /// Records the nonce; `false` when it was already used.
    func claim(_ nonce: String, now: EpochMillis) -> Bool {
        state.withLock { state in
            while let oldest = state.order.peek, oldest.0 < now - retentionMillis {
                _ = state.order.popFirst()
                state.seen.remove(oldest.1)
            }
            guard state.seen.insert(nonce).inserted else { return false }
            state.order.append((now, nonce))
            return true
        }
    }

    func removeAll() {
        state.withLock { $0 = State() }
    }
}
