import Foundation
import SMSLedgerCore

/// The webhook side of the ledger: the outbox the writer fills in the same transaction as each
/// event's cause, and the per-endpoint delivery state the delivery worker works through.
///
/// Fan-out: events carry a time-ordered sequence number; each endpoint has a cursor into it and one
/// delivery row per event it wants. Claims are leases: a claimed delivery is not due again until
/// the lease ends, so a worker that dies mid-request (kill -9) leaves it to be claimed again, and a
/// second worker (a PostgreSQL store with `FOR UPDATE SKIP LOCKED`) never takes the same one.
public protocol WebhookOutbox: Sendable {
    /// Makes sure each endpoint is known, with the event types it subscribes to. A new endpoint gets
    /// events from now on; a known one keeps its place. Call before the pollers start. (SQLite fans
    /// events out when an endpoint claims, with the claim's types; PostgreSQL fans them out as they
    /// are written, with these, because several writers commit events in no single order.)
    func registerWebhookEndpoints(_ endpoints: [String: Set<WebhookEventType>]) async throws

    /// Creates delivery rows for `endpoint` from events after its cursor whose type is in `types`,
    /// then leases up to `limit` due pending deliveries (oldest event first) until `leaseUntil`.
    /// Returns nothing while the endpoint is disabled.
    func claimWebhookDeliveries(endpoint: String, types: Set<WebhookEventType>, now: Date, leaseUntil: Date,
                                limit: Int) async throws -> [ClaimedDelivery]

    /// Records the outcome of attempts, in one transaction.
    func recordWebhookAttempts(_ attempts: [WebhookAttemptRecord]) async throws

    /// Disables (with a reason, e.g. a 410) or enables an endpoint. Returns `false` for an unknown name.
    func setWebhookEndpoint(_ name: String, disabledReason: String?, at time: Date) async throws -> Bool

    /// Makes the selected deliveries pending again with a fresh schedule, creating them for endpoints
    /// that never had them. Returns how many deliveries were reset or created.
    func replayWebhookEvents(_ selection: WebhookReplaySelection, now: Date) async throws -> Int

    /// Per endpoint: pending, failing, dead and delivered counts and the last error.
    func webhookDeliverySummary() async throws -> [WebhookEndpointSummary]

    /// Deletes deliveries delivered before `cutoff`, and events before `cutoff` that every endpoint in
    /// `endpoints` has passed and that have no delivery left. Dead deliveries are kept.
    func pruneWebhookOutbox(before cutoff: Date, endpoints: [String]) async throws -> Int
}

extension WebhookOutbox {
    /// Registers `names`, each subscribed to every event type.
    public func registerWebhookEndpoints(_ names: [String]) async throws {
        try await registerWebhookEndpoints(Dictionary(names.map { ($0, Set(WebhookEventType.allCases)) },
                                                      uniquingKeysWith: { first, _ in first }))
    }
}

/// A leased delivery: what to send and how many attempts came before.
public struct ClaimedDelivery: Sendable, Hashable {
    public var endpoint: String
    public var sequence: Int64
    public var type: WebhookEventType?
    public var createdAt: Date
    /// Attempts made before this one.
    public var attempts: Int
    public var body: [UInt8]

    public var eventID: String { WebhookEventID.string(sequence) }

    public init(endpoint: String, sequence: Int64, type: WebhookEventType?, createdAt: Date, attempts: Int, body: [UInt8]) {
        self.endpoint = endpoint
        self.sequence = sequence
        self.type = type
        self.createdAt = createdAt
        self.attempts = attempts
        self.body = body
    }
}

/// One attempt's outcome, as the delivery worker records it.
public struct WebhookAttemptRecord: Sendable, Hashable {
    public enum Next: Sendable, Hashable {
        case delivered
        case retry(at: Date)
        case dead
        /// Stays pending, due at once; the endpoint is being disabled (410).
        case held
    }

    public var endpoint: String
    public var sequence: Int64
    public var attemptedAt: Date
    public var httpStatus: Int?
    /// `nil` after a success.
    public var error: String?
    public var next: Next

    public init(endpoint: String, sequence: Int64, attemptedAt: Date, httpStatus: Int?, error: String?, next: Next) {
        self.endpoint = endpoint
        self.sequence = sequence
        self.attemptedAt = attemptedAt
        self.httpStatus = httpStatus
        self.error = error
        self.next = next
    }
}

/// Which events `smsledger deliveries replay` sends again.
public struct WebhookReplaySelection: Sendable, Hashable {
    public enum Events: Sendable, Hashable {
        case one(sequence: Int64)
        case since(Date)
    }

    public var events: Events
    /// `nil`: every registered endpoint.
    public var endpoint: String?
    /// The event types each endpoint asks for (its `events` in the configuration): a replay never
    /// sends an endpoint a type it did not subscribe to. An endpoint not named here gets every type
    /// (the CLI run on a ledger file without a configuration).
    public var eventTypes: [String: Set<WebhookEventType>]

    public init(events: Events, endpoint: String?, eventTypes: [String: Set<WebhookEventType>] = [:]) {
        self.events = events
        self.endpoint = endpoint
        self.eventTypes = eventTypes
    }
}

public struct WebhookEndpointSummary: Sendable, Hashable {
    public var endpoint: String
    public var disabledReason: String?
    /// Pending deliveries, including failing ones.
    public var pending: Int
    /// Pending deliveries with at least one failed attempt.
    public var failing: Int
    public var dead: Int
    /// Delivered and not yet pruned.
    public var delivered: Int
    /// Events written but not yet fanned out to this endpoint.
    public var backlog: Int
    public var lastError: String?
    public var lastErrorAt: Date?

    public init(endpoint: String, disabledReason: String?, pending: Int, failing: Int, dead: Int, delivered: Int,
                backlog: Int, lastError: String?, lastErrorAt: Date?) {
        self.endpoint = endpoint
        self.disabledReason = disabledReason
        self.pending = pending
        self.failing = failing
        self.dead = dead
        self.delivered = delivered
        self.backlog = backlog
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
    }
}
