import Crypto
import Foundation
import SMSLedgerCore

/// Writes one ``LedgerBatch`` on a connection that is already inside a transaction.
///
/// Every statement is a cached prepared statement and every row is a handful of binds: the benchmark
/// commits thousands of 16-message batches per second, so nothing here may allocate much per row.
struct BatchWriter {
    let connection: SQLiteConnection
    /// Set while webhook endpoints are configured: each new item also appends its event, in the same
    /// transaction (OutboxWriter).
    var outbox: OutboxWriter? = nil

    func write(_ batch: LedgerBatch) throws -> CommitSummary {
        var summary = CommitSummary()
        // Sends first: a batch that tracks a send and carries its receipt links them either way, but
        // this order stores the receipt against a tracked row rather than creating an orphan first.
        for send in batch.sends {
            let isNew = try track(send, firstCheckDelay: batch.firstCheckDelay)
            isNew ? (summary.sends.new += 1) : (summary.sends.duplicate += 1)
        }
        for item in batch.receipts {
            guard try insertReceipt(item) else {
                summary.receipts.duplicate += 1
                continue
            }
            summary.receipts.new += 1
            let receiptId = connection.lastInsertRowID
            let effect = try apply(item.event, receivedAt: item.receivedAt)
            switch effect {
            case .createdOrphan: summary.orphanReceipts += 1
            case .updated: summary.sendsUpdated += 1
            case .unchanged: break
            }
            try outbox?.receiptStored(item, receiptId: receiptId, effect: effect)
        }
        for item in batch.replies {
            guard try insertReply(item) else { summary.replies.duplicate += 1; continue }
            summary.replies.new += 1
            try outbox?.replyStored(item, replyId: connection.lastInsertRowID)
        }
        for item in batch.quarantine {
            guard try insertQuarantine(item) else { summary.quarantine.duplicate += 1; continue }
            summary.quarantine.new += 1
            try outbox?.append(WebhookPayload.quarantined(item.event, quarantineId: connection.lastInsertRowID,
                                                          receivedAt: item.receivedAt))
        }
        return summary
    }

    // MARK: Receipts

    /// Returns `false` when a receipt with the same dedupe key is already stored.
    private func insertReceipt(_ item: Received<DeliveryReceipt>) throws -> Bool {
        let receipt = item.event
        try connection.withStatement(SQL.insertReceipt) { statement in
            try statement.bind(receipt.dedupeKey, at: 1)
            try statement.bind(receipt.provider.rawValue, at: 2)
            try statement.bind(receipt.source.rawValue, at: 3)
            try statement.bind(receipt.bizId, at: 4)
            try statement.bind(receipt.outId, at: 5)
            try statement.bind(receipt.phoneNumber, at: 6)
            try statement.bind(receipt.status.state.rawValue, at: 7)
            try statement.bind(receipt.status.isFinal, at: 8)
            try statement.bind(receipt.status.retryable, at: 9)
            try statement.bind(receipt.providerCode, at: 10)
            try statement.bind(receipt.providerText, at: 11)
            try statement.bind(receipt.sentAt, at: 12)
            try statement.bind(receipt.reportedAt, at: 13)
            try statement.bind(receipt.smsSize, at: 14)
            try statement.bind(receipt.rawBody, at: 15)
            try statement.bind(item.mnsMessageId, at: 16)
            try statement.bind(item.receivedAt, at: 17)
            try statement.run()
        }
        return connection.changes == 1
    }

    /// What a new receipt did to its send, with the send's row id (`nil` only when a phoneless
    /// receipt's orphan insert found a row after all).
    enum SendEffect { case createdOrphan(Int64?), updated(Int64), unchanged(Int64) }

    /// Moves the receipt's send to the receipt's status when the merge rule allows it, creating the
    /// send untracked when it is not known yet (the receipt is never dropped for lack of a send).
    private func apply(_ receipt: DeliveryReceipt, receivedAt: Date) throws -> SendEffect {
        let key = SendKey(provider: receipt.provider, bizId: receipt.bizId, phoneNumber: receipt.phoneNumber)
        let reportedAt = receipt.reportedAt ?? receivedAt
        // Most receipts are the first news of their send. With a phone, the send's key is exact, so
        // the insert itself finds out whether the send exists (its UNIQUE constraint makes it a no-op
        // then), and the lookup below runs only for sends already known: one index search per
        // receipt fewer. Without a phone the receipt may belong to a send tracked with one, which
        // only the lookup can find.
        if key.phoneNumber != nil, try insertOrphan(receipt, key, reportedAt: reportedAt) {
            return .createdOrphan(connection.lastInsertRowID)
        }
        guard let current = try findSend(key, adoptingAnyPhone: key.phoneNumber == nil) else {
            let inserted = try insertOrphan(receipt, key, reportedAt: reportedAt)
            return .createdOrphan(inserted ? connection.lastInsertRowID : nil)
        }
        guard Self.shouldMove(from: current, to: receipt.status, reportedAt: reportedAt) else {
            return .unchanged(current.id)
        }
        try connection.withStatement(SQL.moveSend) { statement in
            try statement.bind(current.id, at: 1)
            try statement.bind(receipt.outId, at: 2)
            try statement.bind(receipt.sentAt, at: 3)
            try bindStatus(receipt, reportedAt: reportedAt, statement, from: 4)
            try statement.run()
        }
        return .updated(current.id)
    }

    /// Creates the receipt's send, untracked, in the receipt's status. Returns `false` when a send
    /// with the same key exists (nothing is written then).
    private func insertOrphan(_ receipt: DeliveryReceipt, _ key: SendKey, reportedAt: Date) throws -> Bool {
        try connection.withStatement(SQL.insertOrphanSend) { statement in
            try bindKey(key, statement)
            try statement.bind(receipt.outId, at: 4)
            try statement.bind(receipt.sentAt, at: 5)
            try bindStatus(receipt, reportedAt: reportedAt, statement, from: 6)
            try statement.run()
        }
        return connection.changes == 1
    }

    /// The ledger's merge rule (``SendMerge/shouldMove(_:lastReportAt:to:reportedAt:)``).
    static func shouldMove(from current: SendRow, to next: DeliveryStatus, reportedAt: Date) -> Bool {
        SendMerge.shouldMove(current.status, lastReportAt: current.lastReportAt, to: next,
                             reportedAt: Millis.from(reportedAt))
    }

    // MARK: Sends

    /// Records a send as tracked. Returns `true` when it was not tracked before (absent, or known only
    /// from receipts); a send tracked already only gains the fields it lacked.
    private func track(_ send: SendRecord, firstCheckDelay: TimeInterval) throws -> Bool {
        let key = SendKey(provider: send.provider, bizId: send.bizId, phoneNumber: send.phoneNumber)
        let firstCheck = send.sentAt.addingTimeInterval(max(0, firstCheckDelay))
        let phoneless = SendKey(provider: key.provider, bizId: key.bizId, phoneNumber: nil)
        var existing = try findSend(key, adoptingAnyPhone: false)
        if existing == nil, key.phoneNumber != nil {
            existing = try findSend(phoneless, adoptingAnyPhone: false)
        }
        guard let existing else {
            try connection.withStatement(SQL.insertTrackedSend) { statement in
                try bindKey(key, statement)
                try bindSendFacts(send, statement, from: 4)
                try statement.bind(firstCheck, at: 8)
                try statement.run()
            }
            return true
        }
        // Either the exact row, or an orphan created by a receipt without a phone (TeleSign), which
        // takes this send's phone now.
        try connection.withStatement(SQL.trackExistingSend) { statement in
            try statement.bind(existing.id, at: 1)
            try statement.bind(key.phoneNumber ?? "", at: 2)
            try bindSendFacts(send, statement, from: 3)
            try statement.bind(firstCheck, at: 7)
            try statement.run()
        }
        return !existing.tracked
    }

    /// Finds the send row for `key`. When the key has no phone (TeleSign) and no phoneless row exists,
    /// a single row for the same send id is taken; several (a batch send to many phones) are ambiguous.
    private func findSend(_ key: SendKey, adoptingAnyPhone: Bool) throws -> SendRow? {
        let exact = try connection.withStatement(SQL.findSend) { statement in
            try bindKey(key, statement)
            return try statement.step() ? SendRow(statement) : nil
        }
        guard exact == nil, adoptingAnyPhone else { return exact }
        return try connection.withStatement(SQL.findSendAnyPhone) { statement in
            try statement.bind(key.provider.rawValue, at: 1)
            try statement.bind(key.bizId, at: 2)
            guard try statement.step() else { return nil }
            let only = SendRow(statement)
            return try statement.step() ? nil : only
        }
    }

    private func bindKey(_ key: SendKey, _ statement: SQLiteStatement) throws {
        try statement.bind(key.provider.rawValue, at: 1)
        try statement.bind(key.bizId, at: 2)
        try statement.bind(key.phoneNumber ?? "", at: 3)
    }

    private func bindSendFacts(_ send: SendRecord, _ statement: SQLiteStatement, from index: Int32) throws {
        try statement.bind(send.outId, at: index)
        try statement.bind(send.sentAt, at: index + 1)
        try statement.bind(send.templateCode, at: index + 2)
        try statement.bind(send.signName, at: index + 3)
    }

    private func bindStatus(_ receipt: DeliveryReceipt, reportedAt: Date, _ statement: SQLiteStatement,
                            from index: Int32) throws {
        try statement.bind(receipt.status.state.rawValue, at: index)
        try statement.bind(receipt.status.isFinal, at: index + 1)
        try statement.bind(receipt.status.retryable, at: index + 2)
        try statement.bind(receipt.providerCode, at: index + 3)
        try statement.bind(reportedAt, at: index + 4)
    }

    // MARK: Replies and quarantine

    private func insertReply(_ item: Received<InboundMessage>) throws -> Bool {
        let message = item.event
        try connection.withStatement(SQL.insertReply) { statement in
            try statement.bind(SQL.replyKey(message), at: 1)
            try statement.bind(message.phoneNumber, at: 2)
            try statement.bind(message.content, at: 3)
            try statement.bind(message.sentAt, at: 4)
            try statement.bind(message.destCode, at: 5)
            try statement.bind(message.sequenceId, at: 6)
            try statement.bind(message.signName, at: 7)
            try statement.bind(message.rawBody, at: 8)
            try statement.bind(item.mnsMessageId, at: 9)
            try statement.bind(item.receivedAt, at: 10)
            try statement.run()
        }
        return connection.changes == 1
    }

    /// Returns `true` for a body not seen before; a repeat bumps `count` and `last_seen`.
    private func insertQuarantine(_ item: Received<QuarantineEntry>) throws -> Bool {
        let entry = item.event
        return try connection.withStatement(SQL.upsertQuarantine) { statement in
            try statement.bind(entry.source.rawValue, at: 1)
            try statement.bind(entry.rawBody, at: 2)
            try statement.bind(Data(Self.digest(of: entry)), at: 3)
            try statement.bind(entry.reason, at: 4)
            try statement.bind(entry.context, at: 5)
            try statement.bind(item.receivedAt, at: 6)
            guard try statement.step() else { return false }
            return statement.int64(0) == 1
        }
    }

    static func digest(of entry: QuarantineEntry) -> [UInt8] { SendMerge.quarantineDigest(of: entry) }
}

/// The columns of a send row the writer needs to decide a merge.
struct SendRow {
    let id: Int64
    let tracked: Bool
    let status: DeliveryStatus
    let lastReportAt: Int64?

    /// Reads the columns selected by `SQL.findSend`. An unrecognised state (written by a newer build)
    /// is read as a non-final `unknown`, which any new report may replace.
    init(_ statement: SQLiteStatement) {
        id = statement.int64(0)
        tracked = statement.bool(1)
        let state = DeliveryState(rawValue: statement.string(2))
        status = DeliveryStatus(state: state ?? .unknown, isFinal: state != nil && statement.bool(3))
        lastReportAt = statement.optionalInt64(4)
    }
}
