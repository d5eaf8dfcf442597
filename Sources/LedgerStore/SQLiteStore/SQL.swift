import Foundation
import SMSLedgerCore

/// The fixed statements of the SQLite ledger, in one place so the schema and its uses can be read
/// side by side. Each string is the key of a cached prepared statement.
enum SQL {
    static let insertReceipt = """
        INSERT INTO receipts (dedupe_key, provider, source, biz_id, out_id, phone_number, state, is_final,
            retryable, provider_code, provider_text, sent_at, reported_at, sms_size, raw_body, mns_message_id,
            received_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
        ON CONFLICT (dedupe_key) DO NOTHING
        """

    static let insertReply = """
        INSERT INTO replies (dedupe_key, phone_number, content, sent_at, dest_code, sequence_id, sign_name,
            raw_body, mns_message_id, received_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        ON CONFLICT (dedupe_key) DO NOTHING
        """

    /// Returns the row's count after the statement: 1 means the body is new.
    static let upsertQuarantine = """
        INSERT INTO quarantine (source, raw_body, sha256, reason, context, first_seen, last_seen, count)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1)
        ON CONFLICT (sha256) DO UPDATE SET count = count + 1, last_seen = max(last_seen, excluded.last_seen)
        RETURNING count
        """

    // MARK: Sends

    /// Columns as read by `SendRow`.
    static let findSend = """
        SELECT id, tracked, state, is_final, last_report_at FROM sends
        WHERE provider = ?1 AND biz_id = ?2 AND phone_number = ?3
        """

    static let findSendAnyPhone = """
        SELECT id, tracked, state, is_final, last_report_at FROM sends
        WHERE provider = ?1 AND biz_id = ?2 LIMIT 2
        """

    /// A no-op when the send exists: the writer tries this first and looks the send up only then.
    static let insertOrphanSend = """
        INSERT INTO sends (provider, biz_id, phone_number, out_id, sent_at, tracked, state, is_final, retryable,
            provider_code, last_report_at)
        VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9, ?10)
        ON CONFLICT (provider, biz_id, phone_number) DO NOTHING
        """

    /// A final state stops the checks; the send's own facts are only filled in, never erased.
    static let moveSend = """
        UPDATE sends SET state = ?4, is_final = ?5, retryable = ?6, provider_code = ?7, last_report_at = ?8,
            next_check_at = CASE WHEN ?5 THEN NULL ELSE next_check_at END,
            out_id = COALESCE(out_id, ?2), sent_at = COALESCE(sent_at, ?3)
        WHERE id = ?1
        """

    static let insertTrackedSend = """
        INSERT INTO sends (provider, biz_id, phone_number, out_id, sent_at, template_code, sign_name, tracked,
            state, is_final, next_check_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, 'pending', 0, ?8)
        """

    /// Tracking a row known only from receipts takes the send's own facts (they come from the sender,
    /// not from a carrier report) and schedules the first check unless a receipt already closed it.
    /// Tracking a tracked row again only fills in what is missing. (Right-hand sides see old values.)
    static let trackExistingSend = """
        UPDATE sends SET
            phone_number  = ?2,
            out_id        = CASE WHEN tracked = 1 THEN COALESCE(out_id, ?3) ELSE COALESCE(?3, out_id) END,
            sent_at       = CASE WHEN tracked = 1 THEN COALESCE(sent_at, ?4) ELSE COALESCE(?4, sent_at) END,
            template_code = COALESCE(template_code, ?5),
            sign_name     = COALESCE(sign_name, ?6),
            next_check_at = CASE WHEN tracked = 1 THEN next_check_at WHEN is_final = 1 THEN NULL ELSE ?7 END,
            tracked       = 1
        WHERE id = ?1
        """

    static let sendColumns = """
        id, provider, biz_id, phone_number, out_id, sent_at, template_code, sign_name, tracked, state, is_final,
        retryable, provider_code, last_report_at, next_check_at, check_count, last_checked_at, closed_reason
        """

    /// Served by the partial index `sends_due`, whatever the number of closed sends.
    static let dueSends = """
        SELECT \(sendColumns) FROM sends
        WHERE is_final = 0 AND tracked = 1 AND next_check_at <= ?1
        ORDER BY next_check_at LIMIT ?2
        """

    static let scheduleCheck = """
        UPDATE sends SET check_count = check_count + 1, last_checked_at = ?4,
            next_check_at = CASE WHEN is_final = 1 THEN NULL ELSE ?5 END
        WHERE provider = ?1 AND biz_id = ?2 AND phone_number = ?3
        """

    /// Closing never overrides a final state that a receipt set in the meantime.
    static let closeSend = """
        UPDATE sends SET check_count = check_count + 1, last_checked_at = ?4, next_check_at = NULL,
            closed_reason = CASE WHEN is_final = 1 THEN closed_reason ELSE ?5 END,
            retryable     = CASE WHEN is_final = 1 THEN retryable ELSE NULL END,
            state         = CASE WHEN is_final = 1 THEN state ELSE 'unknown' END,
            is_final      = 1
        WHERE provider = ?1 AND biz_id = ?2 AND phone_number = ?3
        """

    static let counts = """
        SELECT (SELECT count(*) FROM receipts), (SELECT count(*) FROM replies), (SELECT count(*) FROM sends),
            (SELECT count(*) FROM sends WHERE is_final = 0 AND tracked = 1), (SELECT count(*) FROM quarantine)
        """

    // MARK: Queries

    /// The key of the `sends_sent_bucket` index (schema 3): a send's ten-minute bucket. Queries must
    /// spell it exactly like this for SQLite to use the index.
    static let sendTimeBucket = "sent_at / \(sendTimeBucketMillis)"
    static let sendTimeBucketMillis: Int64 = 600_000

    /// The key of the `sends_phone_day` index (schema 7): a send's UTC day, -1 when it has no send time.
    /// Queries must spell it exactly like this for SQLite to use the index.
    static let phoneDay = "ifnull(sent_at / \(phoneDayMillis), -1)"
    static let phoneDayMillis: Int64 = 86_400_000

    /// A phone's sends through `sends_phone_day`: one index seek per day from the first bound to the
    /// second (each NULL: the ledger's oldest and newest send), plus the sends without a send time.
    /// Binds three values: first day, last day, phone. The ledger's oldest and newest days come from
    /// the ends of `sends_sent_bucket`, two index probes.
    static let sendsOfPhone = phoneByDay(
        phoneDay,
        oldest: "(SELECT sent_at / \(phoneDayMillis) FROM sends WHERE \(sendTimeBucket) >= 0 ORDER BY \(sendTimeBucket) LIMIT 1)",
        newest: "(SELECT sent_at / \(phoneDayMillis) FROM sends WHERE \(sendTimeBucket) >= 0 ORDER BY \(sendTimeBucket) DESC LIMIT 1)",
        alsoDay: -1)

    /// The key of the `replies_phone_day` index (schema 8): the UTC day a reply arrived. Queries must
    /// spell it exactly like this for SQLite to use the index.
    static let replyDay = "received_at / \(phoneDayMillis)"

    /// A phone's replies through `replies_phone_day`, one seek per day like ``sendsOfPhone``. Binds
    /// three values: first day, last day (each NULL: the ledger's oldest and newest reply, from the
    /// ends of `replies_received_at`), phone.
    static let repliesOfPhone = phoneByDay(
        replyDay,
        oldest: "(SELECT min(received_at) FROM replies) / \(phoneDayMillis)",
        newest: "(SELECT max(received_at) FROM replies) / \(phoneDayMillis)")

    /// `dayKey IN (each day from the first bound to the last) AND phone_number = ?`, for an index keyed
    /// (day, phone): one seek per day. The bounds are bound values, NULL meaning `oldest` / `newest`;
    /// `alsoDay` adds one more key (the undated sends' -1).
    private static func phoneByDay(_ dayKey: String, oldest: String, newest: String, alsoDay: Int? = nil) -> String {
        """
        \(dayKey) IN (WITH RECURSIVE day(d) AS (
                SELECT coalesce(?, \(oldest))
                UNION ALL
                SELECT d + 1 FROM day WHERE d < coalesce(?, \(newest)))
            \(alsoDay.map { "SELECT \($0) UNION ALL " } ?? "")SELECT d FROM day)
        AND phone_number = ?
        """
    }

    /// A reply's key in the unique index (schema 8): its send second in front of the model's dedupe
    /// key, so that new keys sort at the recent end of the index instead of at a random phone. The
    /// second is computed as schema 8's migration computes it from the stored `sent_at`.
    static func replyKey(_ message: InboundMessage) -> String {
        "\(Millis.from(message.sentAt) / 1000)|\(message.dedupeKey)"
    }

    static let receiptColumns = """
        id, provider, source, biz_id, out_id, phone_number, state, is_final, retryable, provider_code,
        provider_text, sent_at, reported_at, sms_size, raw_body, mns_message_id, received_at
        """

    static let replyColumns = """
        id, phone_number, content, sent_at, dest_code, sequence_id, sign_name, raw_body, mns_message_id, received_at
        """

    static let quarantineColumns = "id, source, raw_body, sha256, reason, context, first_seen, last_seen, count"
}
