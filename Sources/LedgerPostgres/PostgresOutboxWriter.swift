import Foundation
import LedgerStore
import Logging
import PostgresNIO
import SMSLedgerCore

/// Appends webhook events inside the transaction that stores their cause, and fans each one out to
/// the endpoints subscribed to its type in the same statement: the event and its deliveries exist
/// exactly when the cause was committed (schema 3 says why the fan-out happens here).
struct PostgresOutboxWriter {
    let connection: PostgresConnection
    let logger: Logger

    static let eventRecordset = Recordset(columns: [
        ("ord", "integer"), ("type", "text"), ("created_at", "bigint"), ("send_id", "bigint"),
        ("receipt_id", "bigint"), ("reply_id", "bigint"), ("quarantine_id", "bigint"), ("body", "text"),
    ])

    struct EventRow: Encodable {
        let ord: Int
        let type: String
        let created_at: Int64
        let send_id, receipt_id, reply_id, quarantine_id: Int64?
        let body: Data
    }

    func append(_ events: [OutboxEvent]) async throws {
        guard !events.isEmpty else { return }
        let rows = events.enumerated().map { index, event in
            EventRow(ord: index, type: event.type.rawValue, created_at: Millis.from(event.createdAt),
                     send_id: event.sendId, receipt_id: event.receiptId, reply_id: event.replyId,
                     quarantine_id: event.quarantineId, body: Data(event.body))
        }
        let statement = Prepared(InsertEvents.self, try Recordset.encode(rows))
        for try await _ in try await connection.execute(statement, logger: logger) {}
    }

    /// Events in batch order (the identity follows the insert order), each with a delivery row due at
    /// its own time for every endpoint that subscribes to its type.
    enum InsertEvents: WriterStatement {
        static let sql = """
        WITH event AS (
            INSERT INTO webhook_events (type, created_at, send_id, receipt_id, reply_id, quarantine_id, body)
            SELECT type, created_at, send_id, receipt_id, reply_id, quarantine_id, decode(body, 'base64')
            FROM \(eventRecordset.from("$1")) ORDER BY ord
            RETURNING seq, type, created_at)
        INSERT INTO webhook_deliveries (endpoint, event_seq, next_attempt_at)
        SELECT p.name, event.seq, event.created_at FROM event JOIN webhook_endpoints p ON event.type = ANY (p.event_types)
        """
    }

    /// A new receipt's event, and the settled event when it made its send final: the rules of the
    /// SQLite writer's OutboxWriter, on the merged rows.
    static func receiptEvents(_ item: Received<DeliveryReceipt>, receiptId: Int64, effect: SendMerger.Effect,
                              rows: [SendState]) -> [OutboxEvent] {
        let receipt = item.event
        let (index, settles) = switch effect {
        case .createdOrphan(let index): (index, receipt.status.isFinal)
        case .updated(let index): (index, receipt.status.isFinal)
        case .unchanged(let index): (index, false)
        }
        let sendId = rows[index].id
        var events = [WebhookPayload.receipt(receipt, receiptId: receiptId, sendId: sendId, receivedAt: item.receivedAt)]
        guard settles, let sendId else { return events }
        let settled = SettledSend(sendId: sendId, provider: receipt.provider, bizId: receipt.bizId, outId: receipt.outId,
                                  phoneNumber: receipt.phoneNumber, status: receipt.status,
                                  providerCode: receipt.providerCode, settledBy: .init(receipt.source),
                                  receiptId: receiptId)
        events.append(WebhookPayload.settled(settled, at: item.receivedAt))
        return events
    }

    /// The open sends among `checks` that close (compensation gave up on them), locked until the
    /// commit: a close emits a settled event only when it changed the send.
    func openSendsClosing(_ checks: [SendCheck]) async throws -> [SendKeyText: (id: Int64, outId: String?)] {
        let closing = checks.filter { if case .close = $0.outcome { true } else { false } }
        guard !closing.isEmpty else { return [:] }
        var binds = PostgresBindings(capacity: 1)
        binds.append(try Recordset.encode(closing.map(PostgresQueries.CheckRow.init)))
        let sql = """
            SELECT s.provider, s.biz_id, s.phone_number, s.id, s.out_id FROM sends s
            JOIN \(PostgresQueries.checkRecordset.from("$1"))
                ON s.provider = r.provider AND s.biz_id = r.biz_id AND s.phone_number = r.phone_number
            WHERE NOT s.is_final ORDER BY s.id FOR UPDATE OF s
            """
        var found: [SendKeyText: (id: Int64, outId: String?)] = [:]
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            let (provider, bizId, phone, id, outId) = try row.decode((String, String, String, Int64, String?).self)
            found[SendKeyText(provider, bizId, phone)] = (id, outId)
        }
        return found
    }

    /// The settled events of the sends `openSendsClosing` found, closed as `unknown`.
    static func closedEvents(_ checks: [SendCheck], open: [SendKeyText: (id: Int64, outId: String?)]) -> [OutboxEvent] {
        checks.compactMap { check in
            guard case .close(let reason) = check.outcome,
                  let send = open[SendKeyText(check.send.provider.rawValue, PostgresRows.text(check.send.bizId),
                                              PostgresRows.text(check.send.phoneNumber ?? ""))]
            else { return nil }
            let settled = SettledSend(sendId: send.id, provider: check.send.provider, bizId: check.send.bizId,
                                      outId: send.outId, phoneNumber: check.send.phoneNumber,
                                      status: DeliveryStatus(state: .unknown, isFinal: true), providerCode: nil,
                                      settledBy: .closed, closedReason: reason)
            return WebhookPayload.settled(settled, at: check.checkedAt)
        }
    }
}
