import FaultlineCore

/// The spool's schema, as ordered migrations; never edit a released one, add a new one instead.
///
/// Times are microseconds since the Unix epoch (``WireTimestamp/microseconds``). Version 1:
/// - `agent_state`: one row (`singleton = 1`): the agent's UUID, the next batch sequence, and the health counts
///   of windows that were committed without a batch, which the next batch carries.
/// - `checkpoints`: the sources' positions, opaque to the spool.
/// - `batches`: gzip-compressed JSON bodies waiting to be shipped, in sequence order, with their retry state.
/// - `dead_letters`: batches the collector refused for good, with the reason.
enum SpoolMigrations {
    /// The migrator that brings a spool file to the current schema.
    static let migrator: SQLiteMigrator = {
        var migrator = SQLiteMigrator()
        migrator.register("create agent_state, checkpoints, batches, dead_letters") { database in
            try database.execute(
                """
                CREATE TABLE agent_state (
                    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                    agent_id TEXT NOT NULL,
                    next_sequence INTEGER NOT NULL CHECK (next_sequence >= 1),
                    pending_lines_read INTEGER NOT NULL DEFAULT 0,
                    pending_errors_seen INTEGER NOT NULL DEFAULT 0,
                    pending_lines_lost INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE checkpoints (
                    key TEXT PRIMARY KEY,
                    state TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE batches (
                    sequence INTEGER PRIMARY KEY,
                    batch_id TEXT NOT NULL UNIQUE,
                    body BLOB NOT NULL,
                    bytes INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    last_error TEXT
                );
                CREATE INDEX batches_by_next_attempt ON batches (next_attempt_at, sequence);
                CREATE TABLE dead_letters (
                    sequence INTEGER PRIMARY KEY,
                    batch_id TEXT NOT NULL UNIQUE,
                    body BLOB NOT NULL,
                    bytes INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at INTEGER NOT NULL,
                    last_error TEXT,
                    reason TEXT NOT NULL,
                    failed_at INTEGER NOT NULL
                );
                """
            )
        }
        return migrator
    }()
}
