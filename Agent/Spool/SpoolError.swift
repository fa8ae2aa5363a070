import FaultlineCore

/// The spool could not read or write its database, or found it in a state it cannot use.
///
/// The description names the spool file, what the spool was doing, the cause (SQLite's own words and code where
/// SQLite failed) and what to do. Compare ``kind`` with the static members of ``Kind`` to react; a
/// ``Kind/database`` error with ``isBusy`` can be retried.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; new kinds may be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case database
            case corruptState
        }

        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// SQLite failed: the file could not be opened, the disk is full, another connection held the lock...
        public static let database = Kind(.database)
        /// The file holds something this release cannot use, such as a missing agent id or a damaged body.
        public static let corruptState = Kind(.corruptState)

        /// A short name for the kind, such as `database`.
        public var description: String {
            switch code {
            case .database: "database"
            case .corruptState: "corrupt state"
            }
        }
    }

    /// What went wrong.
    public let kind: Kind
    /// The spool file.
    public let path: String
    /// What the spool was doing, such as `commit a batch`.
    public let action: String
    /// Why it failed, with advice.
    public let reason: String
    /// The SQLite error behind a ``Kind/database`` error.
    public let underlying: SQLiteError?

    init(_ kind: Kind, path: String, action: String, reason: String, underlying: SQLiteError? = nil) {
        self.kind = kind
        self.path = path
        self.action = action
        self.reason = reason
        self.underlying = underlying
    }

    init(path: String, action: String, underlying: SQLiteError) {
        self.init(.database, path: path, action: action, reason: underlying.description, underlying: underlying)
    }

    /// True when another connection held the database lock for longer than the busy timeout; retry later.
    public var isBusy: Bool { underlying?.isBusy ?? false }

    /// One paragraph: the spool file, what failed, why, and what to do.
    public var description: String {
        "The spool '\(path)' could not \(action): \(reason)"
    }
}
