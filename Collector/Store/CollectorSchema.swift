/// The collector's database schema, as the sequence of migrations that builds it.
///
/// Conventions: times are `BIGINT` microseconds since the Unix epoch (UTC); JSON is `TEXT`; a group's id is
/// its founding fingerprint (16 hex digits). Released migrations are never edited; append new ones.
public enum CollectorSchema {
    /// Every migration, in order.
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "clients and tokens") { engine in
            [
                """
                CREATE TABLE clients (
                    id \(identity(engine)),
                    name TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE client_contacts (
                    client_id BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
                    email TEXT NOT NULL,
                    PRIMARY KEY (client_id, email)
                )
                """,
                // Only the SHA-256 of a token is kept: a stolen database grants no access.
                """
                CREATE TABLE tokens (
                    id \(identity(engine)),
                    client_id BIGINT NOT NULL REFERENCES clients (id),
                    hash TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX tokens_client ON tokens (client_id)",
            ]
        },
        Migration(version: 2, name: "hosts and batches") { engine in
            [
                // `health` is the JSON of the newest batch's health (by window end); `lines_lost_total` adds up
                // what every batch reported lost.
                """
                CREATE TABLE hosts (
                    id \(identity(engine)),
                    client_id BIGINT NOT NULL REFERENCES clients (id),
                    name TEXT NOT NULL,
                    agent_id TEXT NOT NULL,
                    agent_version TEXT NOT NULL,
                    boot_id TEXT,
                    first_seen BIGINT NOT NULL,
                    last_seen BIGINT NOT NULL,
                    health TEXT NOT NULL,
                    health_window_end BIGINT NOT NULL,
                    lines_lost_total BIGINT NOT NULL,
                    UNIQUE (client_id, name)
                )
                """,
                // The primary key is what makes a retried batch harmless.
                """
                CREATE TABLE batches (
                    batch_id TEXT PRIMARY KEY,
                    client_id BIGINT NOT NULL REFERENCES clients (id),
                    host_name TEXT NOT NULL,
                    received_at BIGINT NOT NULL,
                    window_start BIGINT NOT NULL,
                    window_end BIGINT NOT NULL,
                    group_count BIGINT NOT NULL,
                    occurrence_count BIGINT NOT NULL
                )
                """,
                "CREATE INDEX batches_received_at ON batches (received_at)",
            ]
        },
        Migration(version: 3, name: "fingerprints and groups") { engine in
            [
                // One row per source identity; `revision` changes whenever the source's fingerprints do, so a
                // collector knows whether the grouping stage it keeps in memory is still the database's.
                """
                CREATE TABLE grouping_sources (
                    source_identity TEXT PRIMARY KEY,
                    revision BIGINT NOT NULL
                )
                """,
                // `error_groups` rather than `groups`, a keyword in SQL. An absorbed group keeps its row, with
                // the counts it had, and points to its survivor.
                """
                CREATE TABLE error_groups (
                    id TEXT PRIMARY KEY,
                    source_identity TEXT NOT NULL,
                    template TEXT NOT NULL,
                    first_seen BIGINT NOT NULL,
                    last_seen BIGINT NOT NULL,
                    count BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    merged_into TEXT REFERENCES error_groups (id)
                )
                """,
                "CREATE INDEX error_groups_merged_into ON error_groups (merged_into)",
                "CREATE INDEX error_groups_last_seen ON error_groups (last_seen)",
                // `id` is the order of arrival, in which the grouping stage is replayed; the fingerprints a
                // batch brought (`introduced_by_batch`) entered the stage together.
                """
                CREATE TABLE fingerprints (
                    id \(identity(engine)),
                    fingerprint TEXT NOT NULL UNIQUE,
                    algorithm BIGINT NOT NULL,
                    source_kind TEXT NOT NULL,
                    source_identity TEXT NOT NULL,
                    template TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    group_id TEXT NOT NULL REFERENCES error_groups (id),
                    introduced_by_batch TEXT NOT NULL,
                    first_seen BIGINT NOT NULL,
                    last_seen BIGINT NOT NULL,
                    count BIGINT NOT NULL
                )
                """,
                "CREATE INDEX fingerprints_source ON fingerprints (source_identity, id)",
                "CREATE INDEX fingerprints_group ON fingerprints (group_id)",
                """
                CREATE TABLE group_merges (
                    id \(identity(engine)),
                    survivor TEXT NOT NULL REFERENCES error_groups (id),
                    absorbed TEXT NOT NULL REFERENCES error_groups (id),
                    template TEXT NOT NULL,
                    batch_id TEXT NOT NULL,
                    merged_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX group_merges_survivor ON group_merges (survivor)",
                // The raw lines kept as evidence; the newest few per fingerprint.
                """
                CREATE TABLE samples (
                    id \(identity(engine)),
                    fingerprint TEXT NOT NULL REFERENCES fingerprints (fingerprint),
                    host_id BIGINT NOT NULL REFERENCES hosts (id),
                    logged_at BIGINT NOT NULL,
                    text TEXT NOT NULL,
                    cursor TEXT,
                    position TEXT,
                    batch_id TEXT NOT NULL
                )
                """,
                "CREATE INDEX samples_fingerprint ON samples (fingerprint, id)",
            ]
        },
        Migration(version: 4, name: "hourly occurrences") { _ in
            [
                // A batch's count for a fingerprint goes to the hour of its last occurrence.
                """
                CREATE TABLE occurrences (
                    group_id TEXT NOT NULL REFERENCES error_groups (id),
                    host_id BIGINT NOT NULL REFERENCES hosts (id),
                    hour_start BIGINT NOT NULL,
                    count BIGINT NOT NULL,
                    PRIMARY KEY (group_id, host_id, hour_start)
                )
                """,
                "CREATE INDEX occurrences_hour_start ON occurrences (hour_start)",
            ]
        },
        Migration(version: 5, name: "tickets, their history and the mail outbox") { engine in
            [
                """
                CREATE TABLE tickets (
                    id \(identity(engine)),
                    group_id TEXT NOT NULL REFERENCES error_groups (id),
                    status TEXT NOT NULL
                        CHECK (status IN ('open', 'in_progress', 'fixed', 'reopened', 'closed')),
                    title TEXT NOT NULL,
                    assignee TEXT,
                    resolution TEXT,
                    fixed_at BIGINT,
                    validation_ends_at BIGINT,
                    closed_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                // At most one ticket per group that is not closed: two collectors racing on the same new error
                // still make one ticket, the second insert fails on this index.
                """
                CREATE UNIQUE INDEX tickets_one_open_per_group ON tickets (group_id)
                    WHERE status IN ('open', 'in_progress', 'fixed', 'reopened')
                """,
                "CREATE INDEX tickets_status ON tickets (status, updated_at)",
                """
                CREATE TABLE ticket_history (
                    id \(identity(engine)),
                    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
                    kind TEXT NOT NULL CHECK (kind IN (
                        'created', 'status_changed', 'assigned', 'comment', 'email_sent', 'reopened', 'auto_closed'
                    )),
                    actor TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id)",
                // Emails are written here in the transaction of the change that causes them; a sender delivers
                // them and marks them sent.
                """
                CREATE TABLE outbox (
                    id \(identity(engine)),
                    ticket_id BIGINT REFERENCES tickets (id),
                    client_id BIGINT REFERENCES clients (id),
                    kind TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at BIGINT NOT NULL,
                    sent_at BIGINT,
                    last_error TEXT
                )
                """,
                "CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at)",
            ]
        },
        Migration(version: 6, name: "ticket engine: priority, category, fixes, affected hosts and clients") { engine in
            let historyKinds = """
                kind IN ('created', 'status_changed', 'assigned', 'comment', 'fix_recorded', 'email_queued',
                    'email_sent', 'reopened', 'auto_closed', 'merged')
                """
            // SQLite cannot change a CHECK constraint in place: the history table is copied into a new one.
            let history: [String] =
                switch engine {
                case .sqlite:
                    [
                        """
                        CREATE TABLE ticket_history_new (
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            ticket_id BIGINT NOT NULL REFERENCES tickets (id),
                            kind TEXT NOT NULL CHECK (\(historyKinds)),
                            actor TEXT NOT NULL,
                            detail TEXT NOT NULL,
                            at BIGINT NOT NULL
                        )
                        """,
                        """
                        INSERT INTO ticket_history_new
                        SELECT id, ticket_id, kind, actor, detail, at FROM ticket_history
                        """,
                        "DROP TABLE ticket_history",
                        "ALTER TABLE ticket_history_new RENAME TO ticket_history",
                        "CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id)",
                    ]
                case .postgresql:
                    [
                        "ALTER TABLE ticket_history DROP CONSTRAINT ticket_history_kind_check",
                        "ALTER TABLE ticket_history ADD CONSTRAINT ticket_history_kind_check CHECK (\(historyKinds))",
                    ]
                }
            return history + [
                "ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'",
                "ALTER TABLE tickets ADD COLUMN category TEXT NOT NULL DEFAULT 'general'",
                "ALTER TABLE tickets ADD COLUMN fix_note TEXT",
                "ALTER TABLE tickets ADD COLUMN fix_version TEXT",
                "ALTER TABLE tickets ADD COLUMN first_seen BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE tickets ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE tickets ADD COLUMN occurrences BIGINT NOT NULL DEFAULT 0",
                "CREATE INDEX tickets_validation ON tickets (status, validation_ends_at)",
                """
                CREATE TABLE ticket_hosts (
                    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
                    host_id BIGINT NOT NULL REFERENCES hosts (id),
                    first_seen BIGINT NOT NULL,
                    last_seen BIGINT NOT NULL,
                    PRIMARY KEY (ticket_id, host_id)
                )
                """,
                """
                CREATE TABLE ticket_clients (
                    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
                    client_id BIGINT NOT NULL REFERENCES clients (id),
                    first_seen BIGINT NOT NULL,
                    PRIMARY KEY (ticket_id, client_id)
                )
                """,
                // Recent occurrences of groups without an open ticket, for thresholds above one occurrence;
                // rows older than the threshold's window are deleted.
                """
                CREATE TABLE group_recent_occurrences (
                    id \(identity(engine)),
                    group_id TEXT NOT NULL REFERENCES error_groups (id),
                    seen_at BIGINT NOT NULL,
                    count BIGINT NOT NULL
                )
                """,
                "CREATE INDEX group_recent_occurrences_group ON group_recent_occurrences (group_id, seen_at)",
                // A stable Message-ID per email, so that a resend after a crash is recognisable.
                "ALTER TABLE outbox ADD COLUMN message_id TEXT",
                "CREATE UNIQUE INDEX outbox_message_id ON outbox (message_id)",
            ]
        },
        Migration(version: 7, name: "users with roles; HTML bodies in the outbox") { engine in
            [
                """
                CREATE TABLE users (
                    id \(identity(engine)),
                    name TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'technician', 'client')),
                    client_id BIGINT REFERENCES clients (id),
                    token_hash TEXT NOT NULL UNIQUE,
                    created_at BIGINT NOT NULL,
                    disabled_at BIGINT,
                    CHECK ((role = 'client') = (client_id IS NOT NULL))
                )
                """,
                "CREATE INDEX ticket_clients_client ON ticket_clients (client_id, ticket_id)",
                "ALTER TABLE outbox ADD COLUMN html_body TEXT",
            ]
        },
        Migration(version: 8, name: "hourly occurrences keep their last time") { _ in
            [
                // The last occurrence in the bucket: a ticket's hosts take their last-seen time from here,
                // so that `ticket_hosts` is written once per host and ticket instead of once per batch.
                // NULL for the buckets written before.
                "ALTER TABLE occurrences ADD COLUMN last_seen BIGINT"
            ]
        },
    ]

    /// An auto-numbered `BIGINT` primary key, as each engine spells it.
    private static func identity(_ engine: DatabaseEngine) -> String {
        switch engine {
        case .sqlite: "INTEGER PRIMARY KEY AUTOINCREMENT"
        case .postgresql: "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        }
    }
}
