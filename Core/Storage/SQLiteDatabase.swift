import CSQLite

/// One connection to a SQLite database file, in WAL mode, with typed statements, transactions and clear errors.
///
/// The connection is opened in SQLite's multi-thread mode (`SQLITE_OPEN_NOMUTEX`): SQLite takes no lock of its
/// own, so one connection must never be used from two threads at once. The class is therefore not `Sendable`:
/// keep it inside the one actor or task that owns it (the spool, a migration command), and open another
/// connection where another task needs the database; WAL lets readers and one writer work side by side.
/// Every call blocks its thread until SQLite answers, for at most the busy timeout when another connection
/// holds the write lock.
///
/// ```swift
/// let database = try SQLiteDatabase(path: "/var/lib/faultline/spool.sqlite")
/// try migrator.migrate(database)
/// try database.transaction {
///     try database.run("INSERT INTO batch (id, body) VALUES (?, ?)", [.text(id), .blob(body)])
///     try database.run("UPDATE checkpoint SET cursor = ? WHERE source = ?", [.text(cursor), "journald"])
/// }
/// let pending = try database.rows("SELECT id, body FROM batch ORDER BY rowid LIMIT ?", [10])
/// ```
public final class SQLiteDatabase {
    /// How a connection is set up; every setting is applied when the connection opens.
    public struct Configuration: Sendable {
        /// When SQLite waits for the disk to confirm a write (`PRAGMA synchronous`).
        public enum Synchronous: String, Sendable {
            /// Sync at WAL checkpoints only: a power loss may undo the last commits but never corrupts the file.
            case normal = "NORMAL"
            /// Sync at every commit: a commit that returned survives a power loss, at the cost of an fsync.
            case full = "FULL"
        }

        /// The durability of commits; `.normal` by default.
        public var synchronous: Synchronous
        /// How long a statement waits for another connection's lock before failing with a busy error.
        public var busyTimeout: Duration
        /// Whether `FOREIGN KEY` clauses are enforced (`PRAGMA foreign_keys`); SQLite's own default is off.
        public var foreignKeys: Bool

        /// Creates a configuration; the defaults suit a local spool or store.
        public init(
            synchronous: Synchronous = .normal, busyTimeout: Duration = .seconds(5), foreignKeys: Bool = true
        ) {
            self.synchronous = synchronous
            self.busyTimeout = busyTimeout
            self.foreignKeys = foreignKeys
        }
    }

    /// How a transaction takes the database's write lock (`BEGIN DEFERRED | IMMEDIATE | EXCLUSIVE`).
    public enum TransactionKind: String, Sendable {
        /// Takes no lock until the first read or write: for read-only snapshots.
        case deferred = "DEFERRED"
        /// Takes the write lock at once, so a busy database fails at `BEGIN` rather than halfway through.
        case immediate = "IMMEDIATE"
        /// Like `immediate`; in WAL mode the two are the same.
        case exclusive = "EXCLUSIVE"
    }

    /// The database file, as given to `init`; `:memory:` for a private in-memory database.
    public let path: String
    /// The `sqlite3 *` connection; valid until `deinit`.
    let handle: OpaquePointer

    /// Opens (creating if needed) the database file at `path` and applies `configuration`.
    ///
    /// The file's directory must exist. The journal mode is set to WAL, except for `:memory:` databases; the
    /// mode is stored in the file, so every later connection uses WAL too.
    public init(path: String, configuration: Configuration = Configuration()) throws(SQLiteError) {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(handle)
            throw SQLiteError(.openFailed, resultCode: code, message: message, path: path)
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        try configure(configuration)
    }

    deinit {
        // Statements keep their database alive, so none is left unfinalized here.
        sqlite3_close_v2(handle)
    }

    private func configure(_ configuration: Configuration) throws(SQLiteError) {
        let milliseconds =
            configuration.busyTimeout.components.seconds * 1000
            + configuration.busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(handle, Int32(clamping: milliseconds))
        do throws(SQLiteError) {
            if path != ":memory:" && !path.isEmpty {
                let mode = try rows("PRAGMA journal_mode = WAL").first?[0].string
                guard mode?.lowercased() == "wal" else {
                    throw SQLiteError(
                        .configurationFailed, resultCode: nil,
                        message: "SQLite kept journal mode '\(mode ?? "unknown")' instead of WAL; "
                            + "the file system may not support the shared memory WAL needs",
                        path: path)
                }
            }
            try execute("PRAGMA synchronous = \(configuration.synchronous.rawValue)")
            try execute("PRAGMA foreign_keys = \(configuration.foreignKeys ? "ON" : "OFF")")
        } catch {
            guard error.kind != .configurationFailed else { throw error }
            throw SQLiteError(
                .configurationFailed, resultCode: error.resultCode, message: error.message, sql: error.sql, path: path)
        }
    }

    // MARK: Running SQL

    /// Runs a script of one or more `;`-separated statements without parameters, such as a schema.
    ///
    /// Statements run in order and rows they return are ignored; the first failure stops the script and names the
    /// failing statement. Statements already run stay applied unless the script runs inside ``transaction(_:_:)``.
    public func execute(_ script: String) throws(SQLiteError) {
        let failure: SQLiteError? = script.withCString { start in
            var cursor = start
            while cursor.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let code = sqlite3_prepare_v2(handle, cursor, -1, &statement, &tail)
                guard code == SQLITE_OK else {
                    return error(.invalidStatement, code: code, sql: Self.trimmed(String(cString: cursor)))
                }
                // No statement means only whitespace or comments were left.
                guard let statement, let tail else { return nil }
                defer { sqlite3_finalize(statement) }
                var stepCode = sqlite3_step(statement)
                while stepCode == SQLITE_ROW { stepCode = sqlite3_step(statement) }
                guard stepCode == SQLITE_DONE else {
                    return error(
                        .executionFailed, code: stepCode, sql: Self.trimmed(String(cString: sqlite3_sql(statement))))
                }
                cursor = tail
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Compiles one SQL statement for repeated use; see ``SQLiteStatement``.
    ///
    /// The text must hold exactly one statement; use ``execute(_:)`` for scripts.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        let compiled: Result<OpaquePointer, SQLiteError> = sql.withCString { start in
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(handle, start, -1, &statement, &tail)
            guard code == SQLITE_OK else { return .failure(error(.invalidStatement, code: code, sql: sql)) }
            guard let statement else {
                return .failure(
                    SQLiteError(.misuse, resultCode: nil, message: "the text holds no statement", sql: sql))
            }
            var next: OpaquePointer?
            if let tail, tail.pointee != 0,
                sqlite3_prepare_v2(handle, tail, -1, &next, nil) != SQLITE_OK || next != nil
            {
                sqlite3_finalize(next)
                sqlite3_finalize(statement)
                return .failure(
                    SQLiteError(
                        .misuse, resultCode: nil,
                        message: "the text holds more than one statement; run scripts with execute(_:)", sql: sql))
            }
            return .success(statement)
        }
        return SQLiteStatement(database: self, handle: try compiled.get())
    }

    /// Runs one statement with `values` bound to its parameters, ignoring any rows it returns.
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) {
        try prepare(sql).run(values)
    }

    /// Runs one statement with `values` bound to its parameters and returns all its rows.
    public func rows(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> [SQLiteRow] {
        try prepare(sql).rows(values)
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: commits if it returns, rolls back if it (or the commit) throws.
    ///
    /// `.immediate` (the default) takes the write lock at `BEGIN`, waiting up to the busy timeout for it.
    /// Transactions do not nest: calling this inside `body` throws a ``SQLiteError/Kind/misuse`` error.
    /// The error `body` throws is rethrown unchanged.
    @discardableResult
    public func transaction<Value>(
        _ kind: TransactionKind = .immediate, _ body: () throws -> Value
    ) throws -> Value {
        guard !isInTransaction else {
            throw SQLiteError(
                .misuse, resultCode: nil,
                message: "a transaction is already open on this connection, and transactions do not nest; "
                    + "run the work inside the open transaction instead",
                path: path)
        }
        try execute("BEGIN \(kind.rawValue)")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // SQLite may already have rolled back (after some I/O or full-disk errors); ROLLBACK would then fail.
            if isInTransaction { sqlite3_exec(handle, "ROLLBACK", nil, nil, nil) }
            throw error
        }
    }

    /// True while a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    // MARK: Results of the last statement

    /// The rowid of the row most recently inserted on this connection (0 if none yet).
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The number of rows the most recent `INSERT`, `UPDATE` or `DELETE` on this connection changed.
    public var changes: Int64 { sqlite3_changes64(handle) }

    /// The schema version stored in the file header (`PRAGMA user_version`); ``SQLiteMigrator`` maintains it.
    func userVersion() throws(SQLiteError) -> Int {
        Int(try rows("PRAGMA user_version").first?[0].int64 ?? 0)
    }

    /// A statement of a script starts with the whitespace after the previous `;`; errors show it without.
    private static func trimmed(_ sql: String) -> String {
        let isBlank: (Character) -> Bool = { $0.isWhitespace }
        guard let first = sql.firstIndex(where: { !isBlank($0) }), let last = sql.lastIndex(where: { !isBlank($0) })
        else { return sql }
        return String(sql[first...last])
    }

    /// Builds an error from SQLite's last message on this connection.
    func error(_ kind: SQLiteError.Kind, code: Int32, sql: String?) -> SQLiteError {
        SQLiteError(kind, resultCode: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

@available(*, unavailable, message: "A connection must stay in one task or actor; open one per task instead.")
extension SQLiteDatabase: Sendable {}
