import Foundation
import SMSLedgerCore

/// What an outbox event row refers to, read with its delivery: the body is built from these rows
/// when the writer stored only the reference (an empty body: ``OutboxEvent/reference(_:at:sendId:receiptId:replyId:)``).
struct OutboxEventRefs: Sendable {
    var sendId: Int64?
    var receiptId: Int64?
    var replyId: Int64?
}

/// A delivery as the claim's write transaction leased it, with its event's references.
struct LeasedDelivery: Sendable {
    var delivery: ClaimedDelivery
    var refs: OutboxEventRefs
}

/// Builds the bodies of reference events from the receipt and reply rows, on the read connection,
/// after the claim's write transaction: the rows were committed with the event, and neither changes
/// afterwards, so each attempt of an event sends the same bytes. The bodies are those
/// ``WebhookPayload`` gives for the same values, so a receiver cannot tell a built body from a
/// stored one. A row that retention has removed, or that this build cannot read, gives
/// ``WebhookPayload/withoutRows(_:at:_:sendId:receiptId:replyId:)``.
struct OutboxBodies {
    let connection: SQLiteConnection

    func fill(_ claims: [LeasedDelivery]) throws -> [ClaimedDelivery] {
        try claims.map { claim in
            var delivery = claim.delivery
            if delivery.body.isEmpty, let type = delivery.type {
                do {
                    delivery.body = try build(type, at: delivery.createdAt, claim.refs).body
                } catch let error as StoreError where error.kind == .incompatible {
                    // A row this build cannot read would otherwise fail every claim of its endpoint.
                    delivery.body = Self.withoutRows(type, at: delivery.createdAt, .unreadable, claim.refs).body
                }
            }
            return delivery
        }
    }

    func build(_ type: WebhookEventType, at time: Date, _ refs: OutboxEventRefs) throws -> OutboxEvent {
        let reader = LedgerReader(connection: connection)
        switch type {
        case .receipt, .sendSettled:
            guard let receiptId = refs.receiptId,
                  let stored = try row(Self.receiptByID, receiptId, reader.receipt) else { break }
            let receipt = stored.receipt
            guard type == .sendSettled, let sendId = refs.sendId else {
                return WebhookPayload.receipt(receipt, receiptId: receiptId, sendId: refs.sendId,
                                              receivedAt: stored.receivedAt)
            }
            let settled = SettledSend(sendId: sendId, provider: receipt.provider, bizId: receipt.bizId,
                                      outId: receipt.outId, phoneNumber: receipt.phoneNumber, status: receipt.status,
                                      providerCode: receipt.providerCode, settledBy: .init(receipt.source),
                                      receiptId: receiptId)
            return WebhookPayload.settled(settled, at: time)
        case .reply:
            guard let replyId = refs.replyId, let stored = try row(Self.replyByID, replyId, reader.reply) else { break }
            return WebhookPayload.reply(stored.message, replyId: replyId, receivedAt: stored.receivedAt)
        case .quarantined:
            break
        }
        return Self.withoutRows(type, at: time, .pruned, refs)
    }

    private static func withoutRows(_ type: WebhookEventType, at time: Date, _ why: WebhookPayload.MissingRows,
                                    _ refs: OutboxEventRefs) -> OutboxEvent {
        WebhookPayload.withoutRows(type, at: time, why, sendId: refs.sendId, receiptId: refs.receiptId, replyId: refs.replyId)
    }

    private func row<Row>(_ sql: String, _ id: Int64, _ decode: (SQLiteStatement) throws -> Row) throws -> Row? {
        try connection.withStatement(sql) { statement in
            try statement.bind(id, at: 1)
            return try statement.step() ? try decode(statement) : nil
        }
    }

    static let receiptByID = "SELECT \(SQL.receiptColumns) FROM receipts WHERE id = ?1"
    static let replyByID = "SELECT \(SQL.replyColumns) FROM replies WHERE id = ?1"
}
