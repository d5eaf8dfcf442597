import CSQLite

/// One numbered step of the schema. Steps are applied in order, each in its own transaction together
/// with the `PRAGMA user_version` bump, so a crash mid-migration leaves the previous version intact.
///
/// Never edit a released step: add a new one. The ledger may be years old when a new build opens it.
struct Migration: Sendable {
    let version: Int64
    let summary: String
    let sql: String
}

/// The ledger's tables and how a file gets from any older version to the current one.
///
/// Times are integer milliseconds since the epoch (UTC). Booleans are 0/1. `retryable` is NULL when
/// the provider did not say.
enum LedgerSchema {
    /// `PRAGMA application_id`, 'SMSL': tells a ledger apart from any other SQLite file, so the CLI
    /// pointed at the wrong path refuses instead of reporting an empty ledger.
    static let applicationID: Int64 = 0x534D_534C

    static let migrations: [Migration] = [
        Migration(version: 1, summary: "receipts, sends, replies, quarantine", sql: version1),
        Migration(version: 2, summary: "receipts found by phone through their send", sql: version2),
        Migration(version: 3, summary: "sends listed by time through ten-minute buckets", sql: version3),
        Migration(version: 4, summary: "webhook outbox, endpoints and deliveries", sql: version4),
        Migration(version: 5, summary: "sends counted by state as they are written", sql: version5),
        Migration(version: 6, summary: "sends without a send time aged by their last report", sql: version6),
        Migration(version: 7, summary: "sends found by phone within their day", sql: version7),
        Migration(version: 8, summary: "replies keyed by time first", sql: version8),
    ]

    static var latestVersion: Int64 { migrations.last?.version ?? 0 }

    /// Brings a read-write connection to ``latestVersion``. Running it again is a no-op.
    static func migrate(_ connection: SQLiteConnection) throws {
        let current = try checkIdentity(connection)
        for migration in migrations where migration.version > current {
            try connection.transaction {
                // Two processes (the daemon and `smsledger track`, say) may open a new file at the
                // same moment; the version is read again under the write lock so only one migrates.
                guard try checkIdentity(connection) < migration.version else { return }
                try connection.exec(migration.sql)
                try connection.exec("PRAGMA application_id = \(applicationID)")
                try connection.exec("PRAGMA user_version = \(migration.version)")
            }
        }
    }

    /// For a read-only connection: the file must already be a ledger at exactly this build's version,
    /// because a read-only opening cannot migrate it.
    static func verifyCurrent(_ connection: SQLiteConnection) throws {
        let current = try checkIdentity(connection)
        guard current == latestVersion else {
            throw StoreError(.incompatible, message: current == 0
                ? "\(connection.path) is not an SMSLedger ledger (no schema)"
                : "ledger schema \(current) is older than this build's \(latestVersion); "
                    + "open it read-write once (start the daemon) to migrate it")
        }
    }

    /// Returns the schema version, refusing files that belong to another application or to a newer
    /// build of SMSLedger.
    private static func checkIdentity(_ connection: SQLiteConnection) throws -> Int64 {
        let application = try connection.scalarInt("PRAGMA application_id") ?? 0
        let version = try connection.scalarInt("PRAGMA user_version") ?? 0
        let tables = try connection.scalarInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table'") ?? 0
        if application != applicationID && (application != 0 || version != 0 || tables > 0) {
            throw StoreError(.incompatible, message: "\(connection.path) is not an SMSLedger ledger "
                + "(application_id \(application), user_version \(version))")
        }
        guard version <= latestVersion else {
            throw StoreError(.incompatible, message: "ledger schema \(version) was written by a newer "
                + "SMSLedger; this build knows up to \(latestVersion)")
        }
        return version
    }

    private static let version1 = """
        CREATE TABLE receipts (
            id             INTEGER PRIMARY KEY,
            dedupe_key     TEXT    NOT NULL UNIQUE,
            provider       TEXT    NOT NULL,
            source         TEXT    NOT NULL,
            biz_id         TEXT    NOT NULL,
            out_id         TEXT,
            phone_number   TEXT,
            state          TEXT    NOT NULL,
            is_final       INTEGER NOT NULL,
            retryable      INTEGER,
            provider_code  TEXT    NOT NULL,
            provider_text  TEXT,
            sent_at        INTEGER,
            reported_at    INTEGER,
            sms_size       INTEGER,
            raw_body       BLOB    NOT NULL,
            mns_message_id TEXT,
            received_at    INTEGER NOT NULL
        );
        CREATE INDEX receipts_biz_id ON receipts (biz_id);
        CREATE INDEX receipts_phone ON receipts (phone_number, received_at);
        CREATE INDEX receipts_out_id ON receipts (out_id) WHERE out_id IS NOT NULL;
        CREATE INDEX receipts_received_at ON receipts (received_at);

        -- One row per known send. tracked = 0: known only from receipts so far (an orphan receipt
        -- creates the row; a later track fills it in). phone_number is '' when absent so that the
        -- UNIQUE constraint also holds for TeleSign sends, which carry no phone.
        CREATE TABLE sends (
            id              INTEGER PRIMARY KEY,
            provider        TEXT    NOT NULL,
            biz_id          TEXT    NOT NULL,
            phone_number    TEXT    NOT NULL DEFAULT '',
            out_id          TEXT,
            sent_at         INTEGER,
            template_code   TEXT,
            sign_name       TEXT,
            tracked         INTEGER NOT NULL DEFAULT 0,
            state           TEXT    NOT NULL DEFAULT 'pending',
            is_final        INTEGER NOT NULL DEFAULT 0,
            retryable       INTEGER,
            provider_code   TEXT,
            last_report_at  INTEGER,
            next_check_at   INTEGER,
            check_count     INTEGER NOT NULL DEFAULT 0,
            last_checked_at INTEGER,
            closed_reason   TEXT,
            UNIQUE (provider, biz_id, phone_number)
        );
        -- Only open, tracked sends are ever due: keeping the rest out of the index keeps the
        -- compensation job's query cheap however many closed sends the ledger holds.
        CREATE INDEX sends_due ON sends (next_check_at) WHERE is_final = 0 AND tracked = 1;
        CREATE INDEX sends_biz_id ON sends (biz_id);
        CREATE INDEX sends_phone ON sends (phone_number, sent_at);
        CREATE INDEX sends_out_id ON sends (out_id) WHERE out_id IS NOT NULL;
        CREATE INDEX sends_sent_at ON sends (sent_at);

        CREATE TABLE replies (
            id             INTEGER PRIMARY KEY,
            dedupe_key     TEXT    NOT NULL UNIQUE,
            phone_number   TEXT    NOT NULL,
            content        TEXT    NOT NULL,
            sent_at        INTEGER NOT NULL,
            dest_code      TEXT    NOT NULL,
            sequence_id    TEXT    NOT NULL,
            sign_name      TEXT,
            raw_body       BLOB    NOT NULL,
            mns_message_id TEXT,
            received_at    INTEGER NOT NULL
        );
        CREATE INDEX replies_phone ON replies (phone_number, received_at);
        CREATE INDEX replies_received_at ON replies (received_at);

        -- sha256 is SHA-256 over source, a zero byte, then raw_body: the same body quarantined again
        -- bumps count and last_seen instead of adding a row.
        CREATE TABLE quarantine (
            id         INTEGER PRIMARY KEY,
            source     TEXT    NOT NULL,
            raw_body   BLOB    NOT NULL,
            sha256     BLOB    NOT NULL UNIQUE,
            reason     TEXT    NOT NULL,
            context    TEXT,
            first_seen INTEGER NOT NULL,
            last_seen  INTEGER NOT NULL,
            count      INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX quarantine_last_seen ON quarantine (last_seen);
        """

    /// Every receipt with a phone has a send row with the same send id and phone (the writer finds or
    /// creates it), so `sends_phone` followed by `receipts_biz_id` finds a phone's receipts, and
    /// `receipts_phone` only cost the writer: phone numbers arrive in random order, so each receipt
    /// dirtied one more index page of its own, and those pages were about two fifths of what every
    /// commit wrote to the WAL and fsynced (the benchmark's commit phase dominated the writer).
    private static let version2 = """
        DROP INDEX receipts_phone;
        """

    /// An index on `sent_at` itself put every receipt's send on a random page: receipts arrive in
    /// the order the carriers report, not the order of their send times, so each one dirtied a page
    /// of its own in that index, written to the WAL and fsynced by the commit and copied again by the
    /// checkpoint. Keyed by the ten-minute bucket instead, entries of one bucket sit in row order, so
    /// a new send lands at the end of its bucket: a commit touches one page per recent bucket, not
    /// one per receipt (measured with a replica of the writer: Benchmarks/README.md, "Fourth round"). A
    /// time-window query still uses the index (``LedgerReader`` adds the bucket bounds) and sorts
    /// within a bucket; it reads at most one bucket more at each end.
    ///
    /// The expression must stay exactly `sent_at / 600000`: SQLite uses an expression index only for
    /// the same expression, and ``SQL/sendTimeBucket`` is that expression for the queries.
    private static let version3 = """
        DROP INDEX sends_sent_at;
        CREATE INDEX sends_sent_bucket ON sends (sent_at / 600000);
        """

    /// The webhook outbox (README, "Webhooks"). `webhook_events` is written by the ledger writer in
    /// the transaction of each event's cause, only while endpoints are configured; its sequence is
    /// AUTOINCREMENT because it is the public event id (`evt_<seq>`) and must never be reused after
    /// pruning. Each endpoint has a cursor into it and a delivery row per event it wants; the
    /// partial index serves the worker's claim (due pending rows of one endpoint) and stays small
    /// however many delivered and dead rows there are.
    private static let version4 = """
        CREATE TABLE webhook_events (
            seq           INTEGER PRIMARY KEY AUTOINCREMENT,
            type          TEXT    NOT NULL,
            created_at    INTEGER NOT NULL,
            send_id       INTEGER,
            receipt_id    INTEGER,
            reply_id      INTEGER,
            quarantine_id INTEGER,
            body          BLOB    NOT NULL
        );
        CREATE INDEX webhook_events_created ON webhook_events (created_at);
        CREATE TABLE webhook_endpoints (
            name            TEXT    PRIMARY KEY,
            cursor_seq      INTEGER NOT NULL,
            disabled_at     INTEGER,
            disabled_reason TEXT
        );
        CREATE TABLE webhook_deliveries (
            endpoint        TEXT    NOT NULL,
            event_seq       INTEGER NOT NULL,
            state           TEXT    NOT NULL DEFAULT 'pending',
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER,
            last_attempt_at INTEGER,
            last_status     INTEGER,
            last_error      TEXT,
            delivered_at    INTEGER,
            PRIMARY KEY (endpoint, event_seq)
        ) WITHOUT ROWID;
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint, next_attempt_at) WHERE state = 'pending';
        CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_seq);
        """

    /// `smsledger_sends{state=…}` is scraped every few seconds; counting a ledger of millions of sends
    /// each time would be a full scan. Triggers keep one row per state in step with `sends` inside
    /// the writer's own transaction instead, so a scrape reads a handful of rows. The cost is one
    /// upsert of a tiny, always-cached table per new send or state change (measured with the
    /// benchmark: Benchmarks/README.md, "Metrics"). Written as triggers, not in ``BatchWriter``, so
    /// that every writer of `sends` (the CLI's `track`, compensation's `markChecked`) keeps the counts.
    private static let version5 = """
        CREATE TABLE send_state_counts (
            state TEXT    PRIMARY KEY,
            count INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO send_state_counts (state, count) SELECT state, count(*) FROM sends GROUP BY state;
        CREATE TRIGGER send_state_counts_insert AFTER INSERT ON sends BEGIN
            INSERT INTO send_state_counts (state, count) VALUES (NEW.state, 1)
                ON CONFLICT (state) DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER send_state_counts_update AFTER UPDATE OF state ON sends WHEN OLD.state IS NOT NEW.state BEGIN
            UPDATE send_state_counts SET count = count - 1 WHERE state = OLD.state;
            INSERT INTO send_state_counts (state, count) VALUES (NEW.state, 1)
                ON CONFLICT (state) DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER send_state_counts_delete AFTER DELETE ON sends BEGIN
            UPDATE send_state_counts SET count = count - 1 WHERE state = OLD.state;
        END;
        """

    /// Retention ages a send by its send time (`sends_sent_bucket`); a send known only from a receipt
    /// that did not say when it was sent is aged by its last report instead. This partial index holds
    /// only those few rows, so the pruner finds them without scanning the table, and the writer pays
    /// for it only on such sends.
    private static let version6 = """
        CREATE INDEX sends_undated ON sends (last_report_at) WHERE sent_at IS NULL;
        """

    /// `sends_phone` (phone, send time) put every new send on a random page of an index as large as
    /// the ledger: once that index outgrew the page cache, each receipt's send cost a page read as
    /// well as a page written to the WAL, fsynced and checkpointed, and the drain slowed as the ledger
    /// grew (Benchmarks/README.md, "Growth"). Keyed by the send's day first, new sends land in today's
    /// part of the index, which stays small and cached whatever the ledger holds; the cost per send
    /// no longer grows with the ledger. A phone's sends are then one seek per day (``SQL/sendsOfPhone``:
    /// 180 seeks for the default retention, a few milliseconds). Sends without a send time are day -1.
    ///
    /// The expression must stay exactly ``SQL/phoneDay``, for the same reason as version 3's.
    private static let version7 = """
        DROP INDEX sends_phone;
        CREATE INDEX sends_phone_day ON sends (ifnull(sent_at / 86400000, -1), phone_number);
        """

    /// Replies had the same flaw as version 7's sends, twice: `replies_phone` (phone, time) and the
    /// dedupe key's unique index (the key started with the phone) put every new reply on a random page
    /// of two b-trees as large as the replies kept. At ten million messages (about a million replies)
    /// those pages no longer stayed cached, and each reply cost page writes of its own in the WAL, its
    /// fsync and the checkpoint: the drain fell to three quarters of the empty ledger's rate
    /// (Benchmarks/README.md, "Growth"). Now the phone index is keyed by the day the reply arrived, and
    /// the dedupe key starts with the reply's send second (``SQL/replyKey``), so new entries land at
    /// the recent end of both.
    ///
    /// The key is part of the table's UNIQUE constraint, which SQLite cannot alter, so the table is
    /// rebuilt (ids kept: webhook events refer to them). Rewriting the keys in place instead could
    /// collide, mid-statement, with a not yet rewritten key and fail the migration. The new key is the
    /// old one behind the send second, so a reply stored before the upgrade and redelivered after it
    /// is still recognised. Expressions must stay exactly ``SQL/replyDay`` and ``SQL/replyKey``'s.
    private static let version8 = """
        CREATE TABLE replies_v8 (
            id             INTEGER PRIMARY KEY,
            dedupe_key     TEXT    NOT NULL UNIQUE,
            phone_number   TEXT    NOT NULL,
            content        TEXT    NOT NULL,
            sent_at        INTEGER NOT NULL,
            dest_code      TEXT    NOT NULL,
            sequence_id    TEXT    NOT NULL,
            sign_name      TEXT,
            raw_body       BLOB    NOT NULL,
            mns_message_id TEXT,
            received_at    INTEGER NOT NULL
        );
        INSERT INTO replies_v8 (id, dedupe_key, phone_number, content, sent_at, dest_code, sequence_id, sign_name,
                                raw_body, mns_message_id, received_at)
            SELECT id, (sent_at / 1000) || '|' || dedupe_key, phone_number, content, sent_at, dest_code,
                   sequence_id, sign_name, raw_body, mns_message_id, received_at
            FROM replies ORDER BY id;
        DROP TABLE replies;
        ALTER TABLE replies_v8 RENAME TO replies;
        CREATE INDEX replies_received_at ON replies (received_at);
        CREATE INDEX replies_phone_day ON replies (received_at / 86400000, phone_number);
        """
}
