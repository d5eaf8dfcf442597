import Foundation
import SMSLedgerCore

/// ``WebhookOutbox`` on SQLite: writes on the writer's queue (each call one transaction, so a claim
/// or a batch of outcomes costs one commit), reads on the reader's.
extension SQLiteLedgerStore: WebhookOutbox {
    /// Events fanned out to one endpoint per claim at most; the next claim continues.
    static let fanOutChunk = 2000

    public func registerWebhookEndpoints(_ endpoints: [String: Set<WebhookEventType>]) async throws {
        try await writer.run { connection in
            try connection.transaction {
                for name in endpoints.keys.sorted() {
                    try connection.withStatement(OutboxSQL.registerEndpoint) { statement in
                        try statement.bind(name, at: 1)
                        try statement.run()
                    }
                }
            }
        }
    }

    public func claimWebhookDeliveries(endpoint: String, types: Set<WebhookEventType>, now: Date, leaseUntil: Date,
                                       limit: Int) async throws -> [ClaimedDelivery] {
        let claims = try await writer.run { connection -> [LeasedDelivery] in
            try connection.transaction {
                guard let cursor = try Self.activeCursor(endpoint, connection) else { return [] }
                try Self.fanOut(endpoint, after: cursor, types: types, connection)
                return try Self.lease(endpoint, now: now, until: leaseUntil, limit: limit, connection)
            }
        }
        guard claims.contains(where: { $0.delivery.body.isEmpty }) else { return claims.map(\.delivery) }
        // Outside the write lock: the claimed events' rows are committed, and reading them does not
        // hold up the pollers' commits.
        return try await reader.run { try OutboxBodies(connection: $0).fill(claims) }
    }

    public func recordWebhookAttempts(_ attempts: [WebhookAttemptRecord]) async throws {
        guard !attempts.isEmpty else { return }
        try await writer.run { connection in
            try connection.transaction {
                for attempt in attempts {
                    try connection.withStatement(OutboxSQL.recordAttempt) { statement in
                        let (state, next): (String, Date?) = switch attempt.next {
                        case .delivered: ("delivered", nil)
                        case .retry(let at): ("pending", at)
                        case .dead: ("dead", nil)
                        case .held: ("pending", attempt.attemptedAt)
                        }
                        try statement.bind(attempt.endpoint, at: 1)
                        try statement.bind(attempt.sequence, at: 2)
                        try statement.bind(state, at: 3)
                        try statement.bind(next, at: 4)
                        try statement.bind(attempt.attemptedAt, at: 5)
                        try statement.bind(attempt.httpStatus, at: 6)
                        try statement.bind(attempt.error, at: 7)
                        try statement.run()
                    }
                }
            }
        }
    }

    public func setWebhookEndpoint(_ name: String, disabledReason: String?, at time: Date) async throws -> Bool {
        try await writer.run { connection in
            try connection.withStatement(OutboxSQL.setEndpoint) { statement in
                try statement.bind(name, at: 1)
                try statement.bind(disabledReason == nil ? nil : time, at: 2)
                try statement.bind(disabledReason, at: 3)
                try statement.run()
            }
            return connection.changes == 1
        }
    }

    public func replayWebhookEvents(_ selection: WebhookReplaySelection, now: Date) async throws -> Int {
        try await writer.run { connection in
            try connection.transaction {
                let endpoints = try Self.strings(OutboxSQL.endpointNames, connection).filter {
                    selection.endpoint == nil || selection.endpoint == $0
                }
                let events: [(sequence: Int64, type: String)] = try connection.withStatement(OutboxSQL.eventsToReplay) { statement in
                    switch selection.events {
                    case .one(let sequence):
                        try statement.bind(sequence, at: 1)
                        try statement.bind(Int64.max, at: 2)
                    case .since(let time):
                        try statement.bind(Int64(0), at: 1)
                        try statement.bind(time, at: 2)
                    }
                    var found: [(sequence: Int64, type: String)] = []
                    while try statement.step() { found.append((statement.int64(0), statement.string(1))) }
                    return found
                }
                var count = 0
                for endpoint in endpoints {
                    let wanted = selection.eventTypes[endpoint].map { Set($0.map(\.rawValue)) }
                    for (sequence, type) in events where wanted?.contains(type) ?? true {
                        try connection.withStatement(OutboxSQL.replayDelivery) { statement in
                            try statement.bind(endpoint, at: 1)
                            try statement.bind(sequence, at: 2)
                            try statement.bind(now, at: 3)
                            try statement.run()
                        }
                        count += 1
                    }
                }
                return count
            }
        }
    }

    public func webhookDeliverySummary() async throws -> [WebhookEndpointSummary] {
        try await reader.run { connection in
            try connection.withStatement(OutboxSQL.summary) { statement in
                var rows: [WebhookEndpointSummary] = []
                while try statement.step() {
                    rows.append(WebhookEndpointSummary(
                        endpoint: statement.string(0), disabledReason: statement.optionalString(1),
                        pending: Int(statement.int64(2)), failing: Int(statement.int64(3)),
                        dead: Int(statement.int64(4)), delivered: Int(statement.int64(5)),
                        backlog: Int(statement.int64(6)), lastError: statement.optionalString(7),
                        lastErrorAt: statement.optionalDate(8)))
                }
                return rows
            }
        }
    }

    public func pruneWebhookOutbox(before cutoff: Date, endpoints: [String]) async throws -> Int {
        try await writer.run { connection in
            try connection.transaction {
                try connection.withStatement(OutboxSQL.pruneDelivered) { statement in
                    try statement.bind(cutoff, at: 1)
                    try statement.run()
                }
                var passed = try connection.scalarInt(OutboxSQL.lastSequence) ?? 0
                for name in endpoints {
                    if let cursor = try Self.activeCursor(name, connection) { passed = min(passed, cursor) }
                }
                try connection.withStatement(OutboxSQL.pruneEvents) { statement in
                    try statement.bind(cutoff, at: 1)
                    try statement.bind(passed, at: 2)
                    try statement.run()
                }
                return connection.changes
            }
        }
    }

    // MARK: Steps of a claim

    /// The endpoint's cursor, or `nil` when it is unknown or disabled.
    private static func activeCursor(_ endpoint: String, _ connection: SQLiteConnection) throws -> Int64? {
        try connection.withStatement(OutboxSQL.endpointCursor) { statement in
            try statement.bind(endpoint, at: 1)
            guard try statement.step(), statement.isNull(1) else { return nil }
            return statement.int64(0)
        }
    }

    /// Creates the endpoint's delivery rows for the next events after its cursor, due at the event's
    /// own time (so the claim's time order is the events' order), and moves the cursor past them.
    private static func fanOut(_ endpoint: String, after cursor: Int64, types: Set<WebhookEventType>,
                               _ connection: SQLiteConnection) throws {
        let events: [(Int64, String, Int64)] = try connection.withStatement(OutboxSQL.eventsAfter) { statement in
            try statement.bind(cursor, at: 1)
            try statement.bind(fanOutChunk, at: 2)
            var rows: [(Int64, String, Int64)] = []
            while try statement.step() { rows.append((statement.int64(0), statement.string(1), statement.int64(2))) }
            return rows
        }
        guard let last = events.last?.0 else { return }
        let wanted = Set(types.map(\.rawValue))
        for (sequence, type, createdAt) in events where wanted.contains(type) {
            try connection.withStatement(OutboxSQL.insertDelivery) { statement in
                try statement.bind(endpoint, at: 1)
                try statement.bind(sequence, at: 2)
                try statement.bind(createdAt, at: 3)
                try statement.run()
            }
        }
        try connection.withStatement(OutboxSQL.moveCursor) { statement in
            try statement.bind(endpoint, at: 1)
            try statement.bind(last, at: 2)
            try statement.run()
        }
    }

    private static func lease(_ endpoint: String, now: Date, until: Date, limit: Int,
                              _ connection: SQLiteConnection) throws -> [LeasedDelivery] {
        let claimed = try connection.withStatement(OutboxSQL.dueDeliveries) { statement in
            try statement.bind(endpoint, at: 1)
            try statement.bind(now, at: 2)
            try statement.bind(limit, at: 3)
            var rows: [LeasedDelivery] = []
            while try statement.step() {
                let body = statement.data(4)
                let delivery = ClaimedDelivery(endpoint: endpoint, sequence: statement.int64(0),
                                               type: WebhookEventType(rawValue: statement.string(2)),
                                               createdAt: statement.date(3), attempts: Int(statement.int64(1)),
                                               body: Array(body))
                let refs = OutboxEventRefs(sendId: statement.optionalInt64(5), receiptId: statement.optionalInt64(6),
                                           replyId: statement.optionalInt64(7))
                rows.append(LeasedDelivery(delivery: delivery, refs: refs))
            }
            return rows
        }
        for delivery in claimed.map(\.delivery) {
            try connection.withStatement(OutboxSQL.leaseDelivery) { statement in
                try statement.bind(endpoint, at: 1)
                try statement.bind(delivery.sequence, at: 2)
                try statement.bind(until, at: 3)
                try statement.run()
            }
        }
        return claimed
    }

    private static func strings(_ sql: String, _ connection: SQLiteConnection) throws -> [String] {
        try connection.withStatement(sql) { statement in
            var values: [String] = []
            while try statement.step() { values.append(statement.string(0)) }
            return values
        }
    }
}
