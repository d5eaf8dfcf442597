import Foundation
import SMSLedgerCore

/// The durable ledger: where receipts, replies, quarantined bodies and known sends are committed.
///
/// This is the seam between the services and the database (SQLite now, PostgreSQL later). Every
/// implementation must pass the conformance suite in `LedgerStoreTests`.
///
/// The contract the pollers rely on (at-least-once delivery from MNS): ``commit(_:)`` returns only
/// once the whole batch is durable, so deleting the queue messages afterwards can never lose news;
/// and committing the same news again is harmless, so a redelivered message is simply stored once.
public protocol LedgerStore: Sendable {
    /// Stores everything in `batch` in ONE transaction and returns after the commit is durable.
    /// On error nothing of the batch is stored; the error is a ``StoreError`` saying whether to retry.
    ///
    /// Idempotent per item: a receipt or reply with a known `dedupeKey` is not stored again, a known
    /// quarantine body only bumps its count and `lastSeen`, and a known send only gains missing fields.
    /// Each new receipt moves its send (created untracked when unknown) by ``DeliveryStatus/accepts(_:)``.
    func commit(_ batch: LedgerBatch) async throws -> CommitSummary

    /// Receipts (the full history, never rewritten), newest `receivedAt` first.
    func receipts(_ query: LedgerQuery) async throws -> [StoredReceipt]
    /// Replies from phones, newest `receivedAt` first.
    func replies(_ query: LedgerQuery) async throws -> [StoredReply]
    /// Known sends with their current state, newest `sentAt` first (sends without one last).
    func sends(_ query: LedgerQuery) async throws -> [TrackedSend]
    /// Quarantined bodies, most recently seen first.
    func quarantine(_ query: LedgerQuery) async throws -> [StoredQuarantine]

    /// Tracked sends that are not final and whose next check is at or before `now`, earliest first:
    /// the work list of the compensation job.
    func dueSends(now: Date, limit: Int) async throws -> [TrackedSend]
    /// Like ``dueSends(now:limit:)``, but each send returned is claimed until `leaseUntil`: while the
    /// claim holds, no other caller (another daemon on the same ledger) is given it, so no send is
    /// queried by two daemons at once. ``markChecked(_:)`` ends the claim; a claim whose holder died
    /// simply expires. A store only one process writes (SQLite) may return ``dueSends(now:limit:)``.
    func claimDueSends(now: Date, limit: Int, leaseUntil: Date) async throws -> [TrackedSend]
    /// Records what the compensation job did about each send, in one transaction: schedule the next
    /// check, or give up and close the send as `unknown` with a reason. A send that became final in
    /// the meantime keeps its state; only the check bookkeeping is updated.
    func markChecked(_ checks: [SendCheck]) async throws

    /// Rows per table, for tests and status lines.
    func counts() async throws -> LedgerCounts

    /// Finishes the operations already started, then releases the database. Later calls throw
    /// ``StoreError`` (``StoreError/Kind/unavailable``).
    func close() async
}

extension LedgerStore {
    /// One daemon per ledger file (the daemon holds it), so nothing else can claim a send: the due
    /// list itself is the claim.
    public func claimDueSends(now: Date, limit: Int, leaseUntil: Date) async throws -> [TrackedSend] {
        try await dueSends(now: now, limit: limit)
    }
}
