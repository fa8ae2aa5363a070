import Logging

/// Ordered schema migrations for a ``SQLiteDatabase``, tracked in `PRAGMA user_version`.
///
/// Register migrations in order, once, at startup; the database's `user_version` counts how many have run, so
/// migration N runs exactly once, after migrations 1 to N-1, whatever the process restarts in between. Each
/// runs in its own immediate transaction together with the version bump: it applies entirely or not at all.
/// A migration must never be edited, reordered or removed once released; change the schema with a new one.
/// Write table names literally rather than through shared constants, so that a later rename in code cannot
/// change what an old migration does.
///
/// ```swift
/// var migrator = SQLiteMigrator()
/// migrator.register("create batch") { database in
///     try database.execute("CREATE TABLE batch (id TEXT PRIMARY KEY, body BLOB NOT NULL)")
/// }
/// try migrator.migrate(database, logger: logger)
/// ```
public struct SQLiteMigrator: Sendable {
    /// The work of one migration; it runs inside a transaction and must not open one of its own.
    public typealias Migration = @Sendable (SQLiteDatabase) throws -> Void

    private var migrations: [(identifier: String, migrate: Migration)] = []

    /// Creates a migrator with no migrations.
    public init() {}

    /// The identifiers of the registered migrations, in order; migration N is at index N-1.
    public var identifiers: [String] { migrations.map(\.identifier) }

    /// Appends a migration; `identifier` names it in logs and errors and must be unique.
    public mutating func register(_ identifier: String, _ migrate: @escaping Migration) {
        precondition(!identifiers.contains(identifier), "migration '\(identifier)' is registered twice")
        migrations.append((identifier, migrate))
    }

    /// Runs the migrations the database has not run yet, in order, and returns their identifiers.
    ///
    /// Safe against another process migrating the same file at the same time: each migration re-reads the
    /// version after taking the write lock. Throws ``SQLiteError/Kind/schemaTooNew`` if the database was
    /// migrated by a newer release, and ``SQLiteError/Kind/migrationFailed`` naming the migration that failed.
    @discardableResult
    public func migrate(_ database: SQLiteDatabase, logger: Logger? = nil) throws(SQLiteError) -> [String] {
        let current = try database.userVersion()
        guard current <= migrations.count else {
            throw SQLiteError(
                .schemaTooNew, resultCode: nil,
                message: "the schema is at version \(current) but this release knows only \(migrations.count) "
                    + "migration(s); run the newer release that wrote it, or restore a backup",
                path: database.path)
        }
        var applied: [String] = []
        for (offset, migration) in migrations.enumerated().dropFirst(current) {
            let version = offset + 1
            do {
                let ran = try database.transaction(.immediate) {
                    guard try database.userVersion() < version else { return false }
                    try migration.migrate(database)
                    try database.execute("PRAGMA user_version = \(version)")
                    return true
                }
                guard ran else { continue }
                applied.append(migration.identifier)
                logger?.info(
                    "Applied database migration",
                    metadata: [
                        "database.path": "\(database.path)",
                        "migration.version": "\(version)",
                        "migration.id": "\(migration.identifier)",
                    ])
            } catch {
                let cause = error as? SQLiteError
                throw SQLiteError(
                    .migrationFailed, resultCode: cause?.resultCode,
                    message: "migration \(version) '\(migration.identifier)' was rolled back: "
                        + (cause?.message ?? "\(error)"),
                    sql: cause?.sql, path: database.path)
            }
        }
        return applied
    }
}
