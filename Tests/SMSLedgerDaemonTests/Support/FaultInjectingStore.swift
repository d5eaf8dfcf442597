import Foundation
import LedgerStore
import Synchronization

/// A ``LedgerStore`` that forwards everything to a real store, except that its commits can be made
/// to fail the way the store fails when it cannot write (disk full, read-only, locked) or to hang
/// the way a commit stuck on a dying disk would. It shows what the pollers do then, over a real
/// ledger: whatever the decorator lets through is stored by the real store, idempotency and all.
final class FaultInjectingStore: LedgerStore {
    /// What the next commits do.
    enum CommitMode: Sendable, Equatable {
        /// Forward to the real store.
        case pass
        /// Throw ``FaultInjectingStore/unavailable`` without touching the real store.
        case fail
        /// Wait until the mode changes again, then behave as the new mode says.
        case block
    }

    /// The store's own "cannot take writes now" error, as SQLite reports a full disk.
    static let unavailable = StoreError(.unavailable, code: 13, message: "database or disk is full (injected)")

    private struct State: Sendable {
        var mode = CommitMode.pass
        var waiting: [CheckedContinuation<Void, Never>] = []
        var refused = 0
        /// Commit attempts per MNS message id: more than one means the message came back.
        var attempts: [String: Int] = [:]
    }

    let real: any LedgerStore
    private let state = Mutex(State())

    init(_ real: any LedgerStore) {
        self.real = real
    }

    /// Switches the mode; commits blocked so far follow the new mode (unless it is `.block`).
    func setCommitMode(_ mode: CommitMode) {
        let released = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.mode = mode
            guard mode != .block else { return [] }
            defer { s.waiting = [] }
            return s.waiting
        }
        released.forEach { $0.resume() }
    }

    /// Commits refused so far.
    var refusedCommits: Int { state.withLock { $0.refused } }

    /// Commits waiting in `.block` mode right now.
    var blockedCommits: Int { state.withLock { $0.waiting.count } }

    /// The most commit attempts any one message has seen.
    var mostAttemptsForOneMessage: Int { state.withLock { $0.attempts.values.max() ?? 0 } }

    func commit(_ batch: LedgerBatch) async throws -> CommitSummary {
        let ids = batch.receipts.compactMap(\.mnsMessageId) + batch.replies.compactMap(\.mnsMessageId)
            + batch.quarantine.compactMap(\.mnsMessageId)
        var mode = state.withLock { s in
            ids.forEach { s.attempts[$0, default: 0] += 1 }
            return s.mode
        }
        if mode == .block {
            await withCheckedContinuation { continuation in
                let stillBlocked = state.withLock { s -> Bool in
                    guard s.mode == .block else { return false }
                    s.waiting.append(continuation)
                    return true
                }
                if !stillBlocked { continuation.resume() }
            }
            mode = state.withLock { $0.mode }
        }
        if mode == .fail {
            state.withLock { $0.refused += 1 }
            throw Self.unavailable
        }
        return try await real.commit(batch)
    }

    func receipts(_ query: LedgerQuery) async throws -> [StoredReceipt] { try await real.receipts(query) }
    func replies(_ query: LedgerQuery) async throws -> [StoredReply] { try await real.replies(query) }
    func sends(_ query: LedgerQuery) async throws -> [TrackedSend] { try await real.sends(query) }
    func quarantine(_ query: LedgerQuery) async throws -> [StoredQuarantine] { try await real.quarantine(query) }
    func dueSends(now: Date, limit: Int) async throws -> [TrackedSend] { try await real.dueSends(now: now, limit: limit) }
    func markChecked(_ checks: [SendCheck]) async throws { try await real.markChecked(checks) }
    func counts() async throws -> LedgerCounts { try await real.counts() }

    /// Commits still blocked are released as failures first, so that nothing waits forever.
    func close() async {
        setCommitMode(.fail)
        await real.close()
    }
}
