import LedgerStore
import Logging
import PostgresNIO

/// The ledger's tables on PostgreSQL and how a database gets from any older version to the current.
///
/// The shapes follow the SQLite ledger (LedgerSchema) column for column, so the two backends read
/// back the same values: times are epoch milliseconds in `bigint`, booleans are `boolean`, bodies
/// `bytea`. The versions are PostgreSQL's own and are recorded in `smsledger_schema`.
///
/// Several daemons may start at the same moment against a new database: every migration runs in
/// one transaction that first takes a transaction-level advisory lock, so one daemon migrates and
/// the others wait, then find the work done. DDL is transactional in PostgreSQL, so a daemon killed
/// half way leaves the previous version behind, never half of the next one.
enum PostgresSchema {
    struct Migration: Sendable {
        let version: Int
        let summary: String
        /// One statement each: the extended query protocol runs one statement per query.
        let statements: [String]
    }

    /// 'SMSL', the same tag the SQLite ledger keeps in `application_id`: the key of the advisory lock
    /// that serialises migrations across daemons.
    static let migrationLock: Int64 = 0x534D_534C

    static let migrations: [Migration] = [
        Migration(version: 1, summary: "receipts, sends with claims, replies, quarantine", statements: version1),
        Migration(version: 2, summary: "sends counted by state as they are written", statements: version2),
        Migration(version: 3, summary: "webhook outbox, endpoints and deliveries", statements: version3),
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the database to ``latestVersion``; a no-op when it is there. Refuses a database written
    /// by a newer build.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS smsledger_schema (
                    version    integer     PRIMARY KEY,
                    summary    text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            let current = try await version(connection, logger: logger)
            for migration in migrations where migration.version > current {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("""
                    INSERT INTO smsledger_schema (version, summary) VALUES (\(migration.version), \(migration.summary))
                    """, logger: logger)
                logger.info("ledger schema migrated to \(migration.version): \(migration.summary)")
            }
        }
    }

    /// The version recorded in the database (0 for an empty one), refusing a newer build's ledger.
    static func version(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("SELECT coalesce(max(version), 0) FROM smsledger_schema", logger: logger)
        var version = 0
        for try await row in rows { version = try row.decode(Int.self) }
        guard version <= latestVersion else {
            throw StoreError(.incompatible, code: 0, message: "ledger schema \(version) on PostgreSQL was written by "
                + "a newer SMSLedger; this build knows up to \(latestVersion)")
        }
        return version
    }

    private static let version1 = [
        """
        CREATE TABLE receipts (
            id             bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            dedupe_key     text     NOT NULL UNIQUE,
            provider       text     NOT NULL,
            source         text     NOT NULL,
            biz_id         text     NOT NULL,
            out_id         text,
            phone_number   text,
            state          text     NOT NULL,
            is_final       boolean  NOT NULL,
            retryable      boolean,
            provider_code  text     NOT NULL,
            provider_text  text,
            sent_at        bigint,
            reported_at    bigint,
            sms_size       integer,
            raw_body       bytea    NOT NULL,
            mns_message_id text,
            received_at    bigint   NOT NULL
        )
        """,
        "CREATE INDEX receipts_biz_id ON receipts (biz_id)",
        "CREATE INDEX receipts_out_id ON receipts (out_id) WHERE out_id IS NOT NULL",
        "CREATE INDEX receipts_received_at ON receipts (received_at)",
        // phone_number is '' when absent so that the UNIQUE constraint also holds for TeleSign sends.
        // claimed_until: the compensator's lease (claimDueSends); NULL or past means unclaimed.
        """
        CREATE TABLE sends (
            id              bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            provider        text    NOT NULL,
            biz_id          text    NOT NULL,
            phone_number    text    NOT NULL DEFAULT '',
            out_id          text,
            sent_at         bigint,
            template_code   text,
            sign_name       text,
            tracked         boolean NOT NULL DEFAULT false,
            state           text    NOT NULL DEFAULT 'pending',
            is_final        boolean NOT NULL DEFAULT false,
            retryable       boolean,
            provider_code   text,
            last_report_at  bigint,
            next_check_at   bigint,
            check_count     integer NOT NULL DEFAULT 0,
            last_checked_at bigint,
            closed_reason   text,
            claimed_until   bigint,
            UNIQUE (provider, biz_id, phone_number)
        )
        """,
        "CREATE INDEX sends_due ON sends (next_check_at) WHERE NOT is_final AND tracked",
        "CREATE INDEX sends_biz_id ON sends (biz_id)",
        "CREATE INDEX sends_phone ON sends (phone_number, sent_at)",
        "CREATE INDEX sends_out_id ON sends (out_id) WHERE out_id IS NOT NULL",
        "CREATE INDEX sends_sent_at ON sends (sent_at)",
        // Retention ages a send without a send time by its last report (as the SQLite ledger's schema 6).
        "CREATE INDEX sends_undated ON sends (last_report_at) WHERE sent_at IS NULL",
        """
        CREATE TABLE replies (
            id             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            dedupe_key     text    NOT NULL UNIQUE,
            phone_number   text    NOT NULL,
            content        text    NOT NULL,
            sent_at        bigint  NOT NULL,
            dest_code      text    NOT NULL,
            sequence_id    text    NOT NULL,
            sign_name      text,
            raw_body       bytea   NOT NULL,
            mns_message_id text,
            received_at    bigint  NOT NULL
        )
        """,
        "CREATE INDEX replies_phone ON replies (phone_number, received_at)",
        "CREATE INDEX replies_received_at ON replies (received_at)",
        """
        CREATE TABLE quarantine (
            id         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            source     text    NOT NULL,
            raw_body   bytea   NOT NULL,
            sha256     bytea   NOT NULL UNIQUE,
            reason     text    NOT NULL,
            context    text,
            first_seen bigint  NOT NULL,
            last_seen  bigint  NOT NULL,
            count      integer NOT NULL DEFAULT 1
        )
        """,
        "CREATE INDEX quarantine_last_seen ON quarantine (last_seen)",
    ]

    /// `smsledger_sends{state=…}` is scraped every few seconds; counting millions of sends each time
    /// would be a full scan. Triggers keep the counts as sends are written, as in the SQLite ledger
    /// (its schema 5), but spread over 16 shards picked by the writing backend's process id: with one
    /// row per state, every daemon's every commit would queue behind the others' on that row. A read
    /// sums the shards.
    private static let version2 = [
        """
        CREATE TABLE send_state_counts (
            state text    NOT NULL,
            shard integer NOT NULL,
            count bigint  NOT NULL,
            PRIMARY KEY (state, shard)
        )
        """,
        "INSERT INTO send_state_counts (state, shard, count) SELECT state, 0, count(*) FROM sends GROUP BY state",
        """
        CREATE FUNCTION send_state_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                UPDATE send_state_counts SET count = count - 1 WHERE state = OLD.state AND shard = pg_backend_pid() % 16;
                IF NOT FOUND THEN
                    INSERT INTO send_state_counts (state, shard, count) VALUES (OLD.state, pg_backend_pid() % 16, -1)
                        ON CONFLICT (state, shard) DO UPDATE SET count = send_state_counts.count - 1;
                END IF;
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN
                INSERT INTO send_state_counts (state, shard, count) VALUES (NEW.state, pg_backend_pid() % 16, 1)
                    ON CONFLICT (state, shard) DO UPDATE SET count = send_state_counts.count + 1;
            END IF;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER send_state_counts_insert_delete AFTER INSERT OR DELETE ON sends
            FOR EACH ROW EXECUTE FUNCTION send_state_counts_track()
        """,
        """
        CREATE TRIGGER send_state_counts_update AFTER UPDATE OF state ON sends
            FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION send_state_counts_track()
        """,
    ]

    /// The webhook outbox (README, "Webhooks"), as in the SQLite ledger (its schema 4) but fanned out
    /// as events are written: each event's delivery rows (one per endpoint subscribed to its type)
    /// are inserted in the transaction of its cause. The SQLite ledger fans out later, from a cursor
    /// over the event sequence; with several daemons committing, sequence numbers are handed out in
    /// one order and committed in another, so a cursor could pass an event that commits after it.
    /// The identity never hands a number out twice, so `evt_<seq>` stays unique after pruning.
    private static let version3 = [
        """
        CREATE TABLE webhook_events (
            seq           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            type          text    NOT NULL,
            created_at    bigint  NOT NULL,
            send_id       bigint,
            receipt_id    bigint,
            reply_id      bigint,
            quarantine_id bigint,
            body          bytea   NOT NULL
        )
        """,
        "CREATE INDEX webhook_events_created ON webhook_events (created_at)",
        """
        CREATE TABLE webhook_endpoints (
            name            text    PRIMARY KEY,
            event_types     text[]  NOT NULL,
            disabled_at     bigint,
            disabled_reason text
        )
        """,
        """
        CREATE TABLE webhook_deliveries (
            endpoint        text    NOT NULL,
            event_seq       bigint  NOT NULL,
            state           text    NOT NULL DEFAULT 'pending',
            attempts        integer NOT NULL DEFAULT 0,
            next_attempt_at bigint,
            last_attempt_at bigint,
            last_status     integer,
            last_error      text,
            delivered_at    bigint,
            PRIMARY KEY (endpoint, event_seq)
        )
        """,
        """
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint, next_attempt_at, event_seq)
            WHERE state = 'pending'
        """,
        "CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_seq)",
    ]
}
