import CSQLite

/// An error from SQLite, or from using ``SQLiteDatabase`` the wrong way.
///
/// The description names the database file or SQL statement, SQLite's own message and its extended result
/// code, and says what to do. Match on ``kind`` to react, or use ``isBusy`` and ``isConstraintViolation`` for the
/// two conditions callers usually handle (retry later; the row already exists).
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// What the wrapper was doing when SQLite failed; new kinds may be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case openFailed
            case configurationFailed
            case invalidStatement
            case executionFailed
            case bindFailed
            case misuse
            case schemaTooNew
            case migrationFailed
        }

        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// The database file could not be opened or created.
        public static let openFailed = Kind(.openFailed)
        /// A pragma given in ``SQLiteDatabase/Configuration`` was rejected.
        public static let configurationFailed = Kind(.configurationFailed)
        /// SQLite could not compile the SQL text (a syntax error, or a table or column that does not exist).
        public static let invalidStatement = Kind(.invalidStatement)
        /// A statement failed while running (constraint violation, busy database, full disk, I/O error...).
        public static let executionFailed = Kind(.executionFailed)
        /// A value could not be bound to a statement parameter.
        public static let bindFailed = Kind(.bindFailed)
        /// The wrapper was used in a way it does not support, such as a transaction inside a transaction.
        public static let misuse = Kind(.misuse)
        /// The database was migrated by a newer release than this one.
        public static let schemaTooNew = Kind(.schemaTooNew)
        /// A migration failed and was rolled back.
        public static let migrationFailed = Kind(.migrationFailed)

        /// A short name for the kind, such as `execution failed`.
        public var description: String {
            switch code {
            case .openFailed: "open failed"
            case .configurationFailed: "configuration failed"
            case .invalidStatement: "invalid statement"
            case .executionFailed: "execution failed"
            case .bindFailed: "bind failed"
            case .misuse: "misuse"
            case .schemaTooNew: "schema too new"
            case .migrationFailed: "migration failed"
            }
        }
    }

    /// What went wrong.
    public let kind: Kind
    /// The SQLite extended result code (for example 2067, `SQLITE_CONSTRAINT_UNIQUE`); `nil` if SQLite did not fail.
    public let resultCode: Int32?
    /// SQLite's message, or the wrapper's own explanation.
    public let message: String
    /// The SQL statement that failed, if one did.
    public let sql: String?
    /// The database file, if the error is about opening it.
    public let path: String?

    /// Creates an error; `resultCode` is `nil` when the wrapper, not SQLite, detected the problem.
    init(_ kind: Kind, resultCode: Int32?, message: String, sql: String? = nil, path: String? = nil) {
        self.kind = kind
        self.resultCode = resultCode
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`...), the low byte of ``resultCode``.
    public var primaryResultCode: Int32? { resultCode.map { $0 & 0xff } }

    /// True when another connection holds a lock for longer than the busy timeout; retrying later can succeed.
    public var isBusy: Bool { primaryResultCode == SQLITE_BUSY || primaryResultCode == SQLITE_LOCKED }

    /// True when a `UNIQUE`, `NOT NULL`, `CHECK`, primary key or foreign key constraint rejected a change.
    public var isConstraintViolation: Bool { primaryResultCode == SQLITE_CONSTRAINT }

    /// One paragraph: what failed, where, SQLite's words and code, and what to do about it.
    public var description: String {
        var text = "SQLite \(kind)"
        if let path { text += " for database '\(path)'" }
        if let sql { text += " in statement `\(Self.abbreviated(sql))`" }
        text += ": \(message)"
        if let resultCode { text += " (extended result code \(resultCode))" }
        if let advice { text += ". \(advice)" }
        return text
    }

    private var advice: String? {
        switch primaryResultCode {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return "Another connection holds the database lock; retry later or raise the busy timeout"
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY:
            return "Check that the file and its directory exist and are writable by this process"
        case SQLITE_FULL:
            return "The disk is full; free space on the file system that holds the database"
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return "The file is damaged or is not a SQLite database; restore it from a backup or move it aside"
        case SQLITE_IOERR:
            return "The operating system reported an I/O error; check the disk and the kernel log"
        default:
            return nil
        }
    }

    /// Long statements (migrations) are cut so that a log line stays readable; ``sql`` keeps the full text.
    private static func abbreviated(_ sql: String) -> String {
        let collapsed = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard collapsed.count > 300 else { return collapsed }
        return collapsed.prefix(300) + "…"
    }
}
