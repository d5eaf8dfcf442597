/// The statements of the webhook outbox (schema 4), beside ``SQL`` but in their own place.
enum OutboxSQL {
    /// The newest sequence ever handed out, including pruned ones (AUTOINCREMENT keeps it).
    static let lastSequence = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'webhook_events'), 0)"

    /// A new endpoint starts after the newest event: it gets events from now on.
    static let registerEndpoint = """
        INSERT INTO webhook_endpoints (name, cursor_seq) VALUES (?1, (\(lastSequence)))
        ON CONFLICT (name) DO NOTHING
        """

    static let endpointCursor = "SELECT cursor_seq, disabled_at FROM webhook_endpoints WHERE name = ?1"
    static let endpointNames = "SELECT name FROM webhook_endpoints ORDER BY name"
    static let moveCursor = "UPDATE webhook_endpoints SET cursor_seq = ?2 WHERE name = ?1"
    static let setEndpoint = "UPDATE webhook_endpoints SET disabled_at = ?2, disabled_reason = ?3 WHERE name = ?1"

    static let eventsAfter = "SELECT seq, type, created_at FROM webhook_events WHERE seq > ?1 ORDER BY seq LIMIT ?2"

    static let insertDelivery = """
        INSERT INTO webhook_deliveries (endpoint, event_seq, next_attempt_at) VALUES (?1, ?2, ?3)
        ON CONFLICT (endpoint, event_seq) DO NOTHING
        """

    /// Served by the partial index `webhook_deliveries_due`.
    static let dueDeliveries = """
        SELECT d.event_seq, d.attempts, e.type, e.created_at, e.body, e.send_id, e.receipt_id, e.reply_id
        FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq
        WHERE d.endpoint = ?1 AND d.state = 'pending' AND d.next_attempt_at <= ?2
        ORDER BY d.next_attempt_at, d.event_seq LIMIT ?3
        """

    static let leaseDelivery = "UPDATE webhook_deliveries SET next_attempt_at = ?3 WHERE endpoint = ?1 AND event_seq = ?2"

    static let recordAttempt = """
        UPDATE webhook_deliveries SET state = ?3, attempts = attempts + 1, next_attempt_at = ?4, last_attempt_at = ?5,
            last_status = ?6, last_error = ?7, delivered_at = CASE WHEN ?3 = 'delivered' THEN ?5 ELSE NULL END
        WHERE endpoint = ?1 AND event_seq = ?2
        """

    /// One event by sequence (?1), or every event created at or after ?2.
    static let eventsToReplay = """
        SELECT seq, type FROM webhook_events WHERE seq = ?1 OR created_at >= ?2 ORDER BY seq
        """

    static let replayDelivery = """
        INSERT INTO webhook_deliveries (endpoint, event_seq, next_attempt_at) VALUES (?1, ?2, ?3)
        ON CONFLICT (endpoint, event_seq) DO UPDATE SET state = 'pending', attempts = 0, next_attempt_at = ?3,
            delivered_at = NULL
        """

    static let summary = """
        SELECT p.name, p.disabled_reason,
            (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.state = 'pending'),
            (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.state = 'pending' AND d.attempts > 0),
            (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.state = 'dead'),
            (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.state = 'delivered'),
            (SELECT count(*) FROM webhook_events e WHERE e.seq > p.cursor_seq),
            (SELECT d.last_error FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.last_error IS NOT NULL
                ORDER BY d.last_attempt_at DESC LIMIT 1),
            (SELECT max(d.last_attempt_at) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.last_error IS NOT NULL)
        FROM webhook_endpoints p ORDER BY p.name
        """

    static let pruneDelivered = "DELETE FROM webhook_deliveries WHERE state = 'delivered' AND delivered_at < ?1"

    /// Events every active endpoint has passed (?2) with no delivery left (a dead one keeps its event).
    static let pruneEvents = """
        DELETE FROM webhook_events WHERE created_at < ?1 AND seq <= ?2
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = webhook_events.seq)
        """
}
