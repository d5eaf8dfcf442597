import Foundation
import SMSLedgerCore

/// Appends events to the webhook outbox on the writer's connection, inside the transaction that
/// stores their cause: the event exists exactly when its cause was committed.
///
/// Receipt, settled-by-receipt and reply events, nearly all of them, are stored as references (type,
/// time and row ids, no body): ``OutboxBodies`` builds their bodies from the receipt or reply row at
/// delivery, outside the write lock. Building about two bodies per message in the writer, and
/// writing their bytes to the WAL and again in the checkpoint, was most of what an endpoint cost the
/// drain (Benchmarks/README.md, "Webhooks"). Closing and quarantine events are rare, and a closed
/// send's row can still change, so those keep a body. The sequence is AUTOINCREMENT so a number is
/// never reused after pruning (it is the public event id).
struct OutboxWriter {
    let connection: SQLiteConnection

    func append(_ event: OutboxEvent) throws {
        try connection.withStatement(Self.insertEvent) { statement in
            try statement.bind(event.type.rawValue, at: 1)
            try statement.bind(event.createdAt, at: 2)
            try statement.bind(event.sendId, at: 3)
            try statement.bind(event.receiptId, at: 4)
            try statement.bind(event.replyId, at: 5)
            try statement.bind(event.quarantineId, at: 6)
            try event.body.withUnsafeBytes { try statement.bind(bytes: $0, at: 7) }
            try statement.run()
        }
    }

    /// A new receipt's event, and the settled event when it made its send final.
    func receiptStored(_ item: Received<DeliveryReceipt>, receiptId: Int64, effect: BatchWriter.SendEffect) throws {
        let receipt = item.event
        let sendId: Int64?
        let settles: Bool
        switch effect {
        case .createdOrphan(let id): (sendId, settles) = (id, id != nil && receipt.status.isFinal)
        case .updated(let id): (sendId, settles) = (id, receipt.status.isFinal)
        case .unchanged(let id): (sendId, settles) = (id, false)
        }
        try append(.reference(.receipt, at: item.receivedAt, sendId: sendId, receiptId: receiptId))
        guard settles, let sendId else { return }
        // Everything the settled event says comes from the receipt that settled the send.
        try append(.reference(.sendSettled, at: item.receivedAt, sendId: sendId, receiptId: receiptId))
    }

    func replyStored(_ item: Received<InboundMessage>, replyId: Int64) throws {
        try append(.reference(.reply, at: item.receivedAt, replyId: replyId))
    }

    /// A send closed as `unknown` by compensation (markChecked): emitted only when the close changed
    /// it, i.e. the send was not final before.
    func appendClosed(_ check: SendCheck, reason: String) throws {
        let found = try connection.withStatement(Self.findOpenSend) { statement -> (Int64, String?)? in
            try statement.bind(check.send.provider.rawValue, at: 1)
            try statement.bind(check.send.bizId, at: 2)
            try statement.bind(check.send.phoneNumber ?? "", at: 3)
            guard try statement.step() else { return nil }
            return (statement.int64(0), statement.optionalString(1))
        }
        guard let (sendId, outId) = found else { return }
        let settled = SettledSend(sendId: sendId, provider: check.send.provider, bizId: check.send.bizId,
                                  outId: outId, phoneNumber: check.send.phoneNumber,
                                  status: DeliveryStatus(state: .unknown, isFinal: true), providerCode: nil,
                                  settledBy: .closed, closedReason: reason)
        try append(WebhookPayload.settled(settled, at: check.checkedAt))
    }

    static let insertEvent = """
        INSERT INTO webhook_events (type, created_at, send_id, receipt_id, reply_id, quarantine_id, body)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        """

    static let findOpenSend = """
        SELECT id, out_id FROM sends WHERE provider = ?1 AND biz_id = ?2 AND phone_number = ?3 AND is_final = 0
        """
}
