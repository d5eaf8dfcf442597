import Foundation
import LedgerStore
import PostgresNIO
import SMSLedgerCore

/// The webhook outbox on PostgreSQL. Deliveries are fanned out as events are written
/// (PostgresOutboxWriter), so a claim only leases: the earliest due pending deliveries of the
/// endpoint, skipping rows another daemon is claiming right now (SKIP LOCKED), so daemons sharing
/// the ledger share an endpoint's work and never send the same delivery at once.
extension PostgresLedgerStore: WebhookOutbox {
    public func registerWebhookEndpoints(_ endpoints: [String: Set<WebhookEventType>]) async throws {
        guard !endpoints.isEmpty else { return }
        struct Row: Encodable { let name: String; let types: [String] }
        let rows = endpoints.keys.sorted().map { Row(name: $0, types: endpoints[$0, default: []].map(\.rawValue).sorted()) }
        let json = try Recordset.encode(rows)
        _ = try await transaction("registering webhook endpoints") { connection, logger in
            try await connection.query(Self.bound("""
                INSERT INTO webhook_endpoints (name, event_types)
                SELECT name, ARRAY(SELECT jsonb_array_elements_text(types)) FROM jsonb_to_recordset($1::jsonb) AS r(name text, types jsonb)
                ON CONFLICT (name) DO UPDATE SET event_types = excluded.event_types
                """, json), logger: logger)
        }
    }

    public func claimWebhookDeliveries(endpoint: String, types: Set<WebhookEventType>, now: Date, leaseUntil: Date,
                                       limit: Int) async throws -> [ClaimedDelivery] {
        let query: PostgresQuery = """
            WITH due AS (
                SELECT d.endpoint, d.event_seq FROM webhook_deliveries d
                WHERE d.endpoint = \(endpoint) AND d.state = 'pending' AND d.next_attempt_at <= \(Millis.from(now))
                    AND EXISTS (SELECT 1 FROM webhook_endpoints p WHERE p.name = d.endpoint AND p.disabled_at IS NULL)
                ORDER BY d.next_attempt_at, d.event_seq LIMIT \(Int64(max(0, limit)))
                FOR UPDATE SKIP LOCKED
            ), leased AS (
                UPDATE webhook_deliveries d SET next_attempt_at = \(Millis.from(leaseUntil)) FROM due
                WHERE d.endpoint = due.endpoint AND d.event_seq = due.event_seq
                RETURNING d.event_seq, d.attempts
            )
            SELECT l.event_seq, l.attempts, e.type, e.created_at, e.body
            FROM leased l JOIN webhook_events e ON e.seq = l.event_seq ORDER BY e.created_at, e.seq
            """
        return try await transaction("claiming webhook deliveries") { connection, logger in
            var claimed: [ClaimedDelivery] = []
            for try await row in try await connection.query(query, logger: logger) {
                let (sequence, attempts, type, createdAt, body) = try row.decode((Int64, Int32, String, Int64, Data).self)
                claimed.append(ClaimedDelivery(endpoint: endpoint, sequence: sequence,
                                               type: WebhookEventType(rawValue: type), createdAt: Millis.date(createdAt),
                                               attempts: Int(attempts), body: Array(body)))
            }
            return claimed
        }
    }

    public func recordWebhookAttempts(_ attempts: [WebhookAttemptRecord]) async throws {
        guard !attempts.isEmpty else { return }
        struct Row: Encodable {
            let endpoint: String, event_seq: Int64, state: String, next_attempt_at: Int64?, attempted_at: Int64
            let status: Int?, error: String?
        }
        let rows = attempts.map { attempt in
            let (state, next): (String, Date?) = switch attempt.next {
            case .delivered: ("delivered", nil)
            case .retry(let at): ("pending", at)
            case .dead: ("dead", nil)
            case .held: ("pending", attempt.attemptedAt)
            }
            return Row(endpoint: attempt.endpoint, event_seq: attempt.sequence, state: state,
                       next_attempt_at: next.map(Millis.from), attempted_at: Millis.from(attempt.attemptedAt),
                       status: attempt.httpStatus, error: attempt.error.map(PostgresRows.text))
        }
        let json = try Recordset.encode(rows)
        _ = try await transaction("recording webhook attempts") { connection, logger in
            try await connection.query(Self.bound("""
                UPDATE webhook_deliveries d SET state = r.state, attempts = d.attempts + 1,
                    next_attempt_at = r.next_attempt_at, last_attempt_at = r.attempted_at, last_status = r.status,
                    last_error = r.error,
                    delivered_at = CASE WHEN r.state = 'delivered' THEN r.attempted_at ELSE NULL END
                FROM jsonb_to_recordset($1::jsonb) AS r(endpoint text, event_seq bigint, state text,
                    next_attempt_at bigint, attempted_at bigint, status integer, error text)
                WHERE d.endpoint = r.endpoint AND d.event_seq = r.event_seq
                """, json), logger: logger)
        }
    }

    public func setWebhookEndpoint(_ name: String, disabledReason: String?, at time: Date) async throws -> Bool {
        let disabledAt: Int64? = disabledReason == nil ? nil : Millis.from(time)
        let changed = try await rows("""
            UPDATE webhook_endpoints SET disabled_at = \(disabledAt), disabled_reason = \(disabledReason)
            WHERE name = \(name) RETURNING name
            """, "setting a webhook endpoint") { try $0.decode(String.self) }
        return !changed.isEmpty
    }

    public func replayWebhookEvents(_ selection: WebhookReplaySelection, now: Date) async throws -> Int {
        let (sequence, since): (Int64, Int64) = switch selection.events {
        case .one(let sequence): (sequence, Int64.max)
        case .since(let time): (0, Millis.from(time))
        }
        return try await transaction("replaying webhook events") { connection, logger in
            var endpoints: [String] = []
            for try await row in try await connection.query("SELECT name FROM webhook_endpoints ORDER BY name", logger: logger) {
                let name = try row.decode(String.self)
                if selection.endpoint == nil || selection.endpoint == name { endpoints.append(name) }
            }
            var events: [(Int64, String)] = []
            for try await row in try await connection.query("""
                SELECT seq, type FROM webhook_events WHERE seq = \(sequence) OR created_at >= \(since) ORDER BY seq
                """, logger: logger) {
                events.append(try row.decode((Int64, String).self))
            }
            struct Pair: Encodable { let endpoint: String; let event_seq: Int64 }
            var pairs: [Pair] = []
            for endpoint in endpoints {
                let wanted = selection.eventTypes[endpoint].map { Set($0.map(\.rawValue)) }
                pairs += events.filter { wanted?.contains($0.1) ?? true }.map { Pair(endpoint: endpoint, event_seq: $0.0) }
            }
            guard !pairs.isEmpty else { return 0 }
            var binds = PostgresBindings(capacity: 2)
            binds.append(try Recordset.encode(pairs))
            binds.append(Millis.from(now))
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO webhook_deliveries (endpoint, event_seq, next_attempt_at)
                SELECT endpoint, event_seq, $2 FROM jsonb_to_recordset($1::jsonb) AS r(endpoint text, event_seq bigint)
                ON CONFLICT (endpoint, event_seq) DO UPDATE SET state = 'pending', attempts = 0,
                    next_attempt_at = excluded.next_attempt_at, delivered_at = NULL
                """, binds: binds), logger: logger)
            return pairs.count
        }
    }

    /// As on SQLite, with no backlog: events are fanned out as they are written.
    public func webhookDeliverySummary() async throws -> [WebhookEndpointSummary] {
        try await rows("""
            SELECT p.name, p.disabled_reason,
                (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.state = 'pending'),
                (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.state = 'pending' AND d.attempts > 0),
                (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.state = 'dead'),
                (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.state = 'delivered'),
                (SELECT d.last_error FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.last_error IS NOT NULL
                    ORDER BY d.last_attempt_at DESC LIMIT 1),
                (SELECT max(d.last_attempt_at) FROM webhook_deliveries d WHERE d.endpoint = p.name AND d.last_error IS NOT NULL)
            FROM webhook_endpoints p ORDER BY p.name
            """, "reading the webhook deliveries") { row in
            let (name, reason, pending, failing, dead, delivered, lastError, lastErrorAt) = try row.decode(
                (String, String?, Int64, Int64, Int64, Int64, String?, Int64?).self)
            return WebhookEndpointSummary(endpoint: name, disabledReason: reason, pending: Int(pending),
                                          failing: Int(failing), dead: Int(dead), delivered: Int(delivered), backlog: 0,
                                          lastError: lastError, lastErrorAt: lastErrorAt.map(Millis.date))
        }
    }

    /// Delivered deliveries before `cutoff`, then the events before it with no delivery left (a dead
    /// or pending one keeps its event). `endpoints` is not needed: there is no cursor to wait for.
    public func pruneWebhookOutbox(before cutoff: Date, endpoints: [String]) async throws -> Int {
        let cutoff = Millis.from(cutoff)
        return try await transaction("pruning the webhook outbox") { connection, logger in
            try await connection.query("""
                DELETE FROM webhook_deliveries WHERE state = 'delivered' AND delivered_at < \(cutoff)
                """, logger: logger)
            var removed = 0
            for try await row in try await connection.query("""
                WITH gone AS (DELETE FROM webhook_events e WHERE e.created_at < \(cutoff)
                    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq) RETURNING 1)
                SELECT count(*) FROM gone
                """, logger: logger) {
                removed = Int(try row.decode(Int64.self))
            }
            return removed
        }
    }

    private static func bound(_ sql: String, _ json: String) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 1)
        binds.append(json)
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
