import Foundation
import LedgerStore
import Logging
import PostgresNIO
import SMSLedgerCore

/// Writes one ``LedgerBatch`` on a connection inside a transaction: six statements at most, whatever
/// the batch's size (``Recordset``).
///
/// Several daemons may commit the same news at the same moment (MNS redelivers to whoever asks). The
/// unique keys decide who stores it: an `ON CONFLICT DO NOTHING` insert waits for the other
/// transaction and then skips, so each receipt, reply and send row exists once, and only the daemon
/// whose insert won applies a receipt to its send. Rows are inserted and locked in key order, so two
/// daemons do not wait on each other in a cycle; when they still do (a deadlock), or when another
/// daemon created a send this batch was about to create, the store retries the whole transaction.
struct PostgresBatchWriter {
    let connection: PostgresConnection
    let logger: Logger
    /// Set while webhook endpoints are configured: each new item also appends its event, in the same
    /// transaction (PostgresOutboxWriter).
    var emitsEvents = false

    /// Another daemon created a send row between this transaction's lock and its insert: the batch
    /// must be merged again against that row.
    struct LostSendRace: Error {}

    func write(_ batch: LedgerBatch) async throws -> CommitSummary {
        var summary = CommitSummary()
        var events: [OutboxEvent] = []
        let newReceipts = try await insertReceipts(batch.receipts, into: &summary)
        if !batch.sends.isEmpty || !newReceipts.isEmpty {
            let (merger, effects) = try await mergeSends(batch, newReceipts: newReceipts, into: &summary)
            if emitsEvents {
                for ((item, receiptId), effect) in zip(newReceipts, effects) {
                    events += PostgresOutboxWriter.receiptEvents(item, receiptId: receiptId, effect: effect, rows: merger.rows)
                }
            }
        }
        let replies = try await insertReplies(batch.replies, into: &summary)
        let quarantined = try await upsertQuarantine(batch.quarantine, into: &summary)
        guard emitsEvents else { return summary }
        events += replies.map { WebhookPayload.reply($0.0.event, replyId: $0.1, receivedAt: $0.0.receivedAt) }
        events += quarantined.map { WebhookPayload.quarantined($0.0.event, quarantineId: $0.1, receivedAt: $0.0.receivedAt) }
        try await PostgresOutboxWriter(connection: connection, logger: logger).append(events)
        return summary
    }

    // MARK: Receipts

    /// Inserts the batch's receipts and returns the ones that are new with their ids, in batch order.
    private func insertReceipts(_ items: [Received<DeliveryReceipt>],
                                into summary: inout CommitSummary) async throws -> [(Received<DeliveryReceipt>, Int64)] {
        guard !items.isEmpty else { return [] }
        var seen = Set<String>()
        let unique = items.filter { seen.insert($0.event.dedupeKey).inserted }
        let sql = InsertReceipts.self
        let inserted = try await keyed(sql, try Recordset.encode(unique.map(PostgresRows.ReceiptRow.init)))
        summary.receipts.new = inserted.count
        summary.receipts.duplicate = items.count - inserted.count
        return unique.compactMap { item in inserted[PostgresRows.text(item.event.dedupeKey)].map { (item, $0) } }
    }

    // MARK: Sends

    /// Returns the merged rows (with the ids of the new ones) and each new receipt's effect, in order.
    private func mergeSends(_ batch: LedgerBatch, newReceipts: [(Received<DeliveryReceipt>, Int64)],
                            into summary: inout CommitSummary) async throws -> (SendMerger, [SendMerger.Effect]) {
        var merger = SendMerger(stored: try await lockSends(batch, newReceipts: newReceipts.map(\.0)))
        for send in batch.sends {
            merger.track(send, firstCheckDelay: batch.firstCheckDelay)
                ? (summary.sends.new += 1) : (summary.sends.duplicate += 1)
        }
        var effects: [SendMerger.Effect] = []
        for (item, _) in newReceipts {
            let effect = merger.apply(item.event, receivedAt: item.receivedAt)
            switch effect {
            case .createdOrphan: summary.orphanReceipts += 1
            case .updated: summary.sendsUpdated += 1
            case .unchanged: break
            }
            effects.append(effect)
        }
        merger.assignIds(try await insertSends(merger.inserts))
        try await updateSends(merger.updates)
        return (merger, effects)
    }

    /// The stored rows the batch can touch, locked until the commit, in id order: the exact row of
    /// each receipt with a phone; the row of each tracked send and its send id's phoneless row (an
    /// orphan it may adopt); every row of the send id of a receipt without a phone (it may belong to
    /// the send id's only row). Only those: receipts of one batch send (one send id, many phones)
    /// committed by two daemons at once do not wait for each other.
    private func lockSends(_ batch: LedgerBatch, newReceipts: [Received<DeliveryReceipt>]) async throws -> [SendState] {
        struct Exact: Hashable, Encodable { let provider: String; let biz_id: String; let phone_number: String }
        struct Whole: Hashable, Encodable { let provider: String; let biz_id: String }
        var exact = Set<Exact>()
        var whole = Set<Whole>()
        for send in batch.sends {
            let key = SendKey(provider: send.provider, bizId: send.bizId, phoneNumber: send.phoneNumber)
            exact.insert(Exact(provider: key.provider.rawValue, biz_id: key.bizId, phone_number: key.phoneNumber ?? ""))
            exact.insert(Exact(provider: key.provider.rawValue, biz_id: key.bizId, phone_number: ""))
        }
        for item in newReceipts {
            let key = SendKey(provider: item.event.provider, bizId: item.event.bizId, phoneNumber: item.event.phoneNumber)
            if let phone = key.phoneNumber {
                exact.insert(Exact(provider: key.provider.rawValue, biz_id: key.bizId, phone_number: phone))
            } else {
                whole.insert(Whole(provider: key.provider.rawValue, biz_id: key.bizId))
            }
        }
        // Two joins and a UNION, not one WHERE with OR: with OR the planner scanned the whole table
        // for every batch (16 ms at 50,000 sends, and most of the server's CPU in the drain);
        // each join here is an index lookup per key.
        var binds = PostgresBindings(capacity: 2)
        binds.append(try Recordset.encode(exact.map { Exact(provider: $0.provider, biz_id: PostgresRows.text($0.biz_id),
                                                              phone_number: PostgresRows.text($0.phone_number)) }))
        binds.append(try Recordset.encode(whole.map { Whole(provider: $0.provider, biz_id: PostgresRows.text($0.biz_id)) }))
        var stored: [SendState] = []
        for try await row in try await connection.execute(Prepared<LockSends>(bindings: binds), logger: logger) {
            stored.append(try PostgresRows.sendState(row))
        }
        return stored
    }

    /// Inserts the new rows and returns their ids by key.
    private func insertSends(_ rows: [SendState]) async throws -> [SendKeyText: Int64] {
        guard !rows.isEmpty else { return [:] }
        let sql = InsertSends.self
        var ids: [SendKeyText: Int64] = [:]
        for try await row in try await connection.execute(Prepared(sql, try Recordset.encode(rows)), logger: logger) {
            let (provider, bizId, phone, id) = try row.decode((String, String, String, Int64).self)
            ids[SendKeyText(provider, bizId, phone)] = id
        }
        guard ids.count == rows.count else { throw LostSendRace() }
        return ids
    }

    private func updateSends(_ rows: [SendState]) async throws {
        guard !rows.isEmpty else { return }
        let sql = UpdateSends.self
        for try await _ in try await connection.execute(Prepared(sql, try Recordset.encode(rows)), logger: logger) {}
    }

    // MARK: Replies and quarantine

    /// Returns the new replies with their ids, in batch order.
    private func insertReplies(_ items: [Received<InboundMessage>],
                               into summary: inout CommitSummary) async throws -> [(Received<InboundMessage>, Int64)] {
        guard !items.isEmpty else { return [] }
        let sql = InsertReplies.self
        var inserted = try await keyed(sql, try Recordset.encode(items.map(PostgresRows.ReplyRow.init)))
        summary.replies.new = inserted.count
        summary.replies.duplicate = items.count - inserted.count
        // The first of repeats inside the batch is the new one.
        return items.compactMap { item in inserted.removeValue(forKey: PostgresRows.text(item.event.dedupeKey)).map { (item, $0) } }
    }

    /// The same body twice in one batch is one row with count 2, as if committed one after the other:
    /// an upsert may not touch a row twice in one statement, so repeats are folded first.
    /// Returns the bodies not seen before with their ids, in batch order.
    private func upsertQuarantine(_ items: [Received<QuarantineEntry>],
                                  into summary: inout CommitSummary) async throws -> [(Received<QuarantineEntry>, Int64)] {
        guard !items.isEmpty else { return [] }
        var folded: [String: PostgresRows.QuarantineRow] = [:]
        var order: [(String, Received<QuarantineEntry>)] = []
        for item in items {
            let row = PostgresRows.QuarantineRow(item)
            if let earlier = folded[row.sha256] {
                folded[row.sha256] = earlier.folding(row)
            } else {
                folded[row.sha256] = row
                order.append((row.sha256, item))
            }
        }
        let sql = UpsertQuarantine.self
        var created: [String: Int64] = [:]
        let json = try Recordset.encode(order.compactMap { folded[$0.0] })
        for try await row in try await connection.execute(Prepared(sql, json), logger: logger) {
            let (digest, id, isNew) = try row.decode((String, Int64, Bool).self)
            if isNew { created[digest] = id }
        }
        summary.quarantine.new = created.count
        summary.quarantine.duplicate = items.count - created.count
        return order.compactMap { digest, item in created[digest].map { (item, $0) } }
    }

    // MARK: Running


    /// Runs `sql` with one recordset bind; its result is (key text, id) pairs.
    private func keyed<Statement: WriterStatement>(_ sql: Statement.Type, _ json: String) async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for try await row in try await connection.execute(Prepared(sql, json), logger: logger) {
            let (key, id) = try row.decode((String, Int64).self)
            result[key] = id
        }
        return result
    }
}

// The writer's statements, prepared once per connection (``Prepared``).

enum InsertReceipts: WriterStatement {
    static let sql = """
        INSERT INTO receipts (dedupe_key, provider, source, biz_id, out_id, phone_number, state, is_final,
            retryable, provider_code, provider_text, sent_at, reported_at, sms_size, raw_body, mns_message_id,
            received_at)
        SELECT dedupe_key, provider, source, biz_id, out_id, phone_number, state, is_final, retryable,
            provider_code, provider_text, sent_at, reported_at, sms_size, decode(raw_body, 'base64'),
            mns_message_id, received_at
        FROM \(PostgresRows.receiptRecordset.from("$1")) ORDER BY dedupe_key
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING dedupe_key, id
        """
}

enum LockSends: WriterStatement {
    static let sql = """
        SELECT \(PostgresRows.sendStateColumns) FROM sends WHERE id IN (
            SELECT s.id FROM sends s
            JOIN jsonb_to_recordset($1::jsonb) AS k(provider text, biz_id text, phone_number text)
                ON s.provider = k.provider AND s.biz_id = k.biz_id AND s.phone_number = k.phone_number
            UNION
            SELECT s.id FROM sends s JOIN jsonb_to_recordset($2::jsonb) AS w(provider text, biz_id text)
                ON s.provider = w.provider AND s.biz_id = w.biz_id)
        ORDER BY id FOR UPDATE
        """
}

enum InsertSends: WriterStatement {
    static let sql = """
        INSERT INTO sends (provider, biz_id, phone_number, out_id, sent_at, template_code, sign_name, tracked,
            state, is_final, retryable, provider_code, last_report_at, next_check_at)
        SELECT provider, biz_id, phone_number, out_id, sent_at, template_code, sign_name, tracked,
            state, is_final, retryable, provider_code, last_report_at, next_check_at
        FROM \(PostgresRows.sendRecordset.from("$1")) ORDER BY provider, biz_id, phone_number
        ON CONFLICT (provider, biz_id, phone_number) DO NOTHING
        RETURNING provider, biz_id, phone_number, id
        """
}

enum UpdateSends: WriterStatement {
    static let sql = """
        UPDATE sends s SET phone_number = r.phone_number, out_id = r.out_id, sent_at = r.sent_at,
            template_code = r.template_code, sign_name = r.sign_name, tracked = r.tracked, state = r.state,
            is_final = r.is_final, retryable = r.retryable, provider_code = r.provider_code,
            last_report_at = r.last_report_at, next_check_at = r.next_check_at
        FROM \(PostgresRows.sendRecordset.from("$1")) WHERE s.id = r.id
        """
}

enum InsertReplies: WriterStatement {
    static let sql = """
        INSERT INTO replies (dedupe_key, phone_number, content, sent_at, dest_code, sequence_id, sign_name,
            raw_body, mns_message_id, received_at)
        SELECT dedupe_key, phone_number, content, sent_at, dest_code, sequence_id, sign_name,
            decode(raw_body, 'base64'), mns_message_id, received_at
        FROM \(PostgresRows.replyRecordset.from("$1")) ORDER BY dedupe_key
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING dedupe_key, id
        """
}

enum UpsertQuarantine: WriterStatement {
    static let sql = """
        INSERT INTO quarantine (source, raw_body, sha256, reason, context, first_seen, last_seen, count)
        SELECT source, decode(raw_body, 'base64'), decode(sha256, 'hex'), reason, context, first_seen,
            last_seen, count
        FROM \(PostgresRows.quarantineRecordset.from("$1")) ORDER BY sha256
        ON CONFLICT (sha256) DO UPDATE SET count = quarantine.count + excluded.count,
            last_seen = greatest(quarantine.last_seen, excluded.last_seen)
        RETURNING encode(sha256, 'hex'), id, xmax = 0
        """
}
