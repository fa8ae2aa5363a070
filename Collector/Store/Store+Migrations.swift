import FaultlineCore
import SQLKit

extension Store {
    /// A migration recorded in `schema_migrations`.
    public struct AppliedMigration: Sendable, Hashable {
        /// Its version.
        public var version: Int
        /// Its name.
        public var name: String
        /// When it ran.
        public var appliedAt: WireTimestamp
    }

    /// The key of the PostgreSQL advisory lock that makes collectors starting together migrate one at a time.
    static let migrationLockKey: Int64 = 0x6661_756c_746c_6d67  // "faultlmg"

    /// Applies, in order, the migrations that the database has not recorded yet; returns those it applied.
    ///
    /// Each migration runs in its own transaction with its `schema_migrations` row. On PostgreSQL the whole
    /// run holds an advisory lock, so that of several collectors starting at once one migrates and the others
    /// find the work done. Throws when the database was migrated by a newer collector, whose schema this one
    /// does not know.
    @discardableResult
    public func migrate(_ migrations: [Migration] = CollectorSchema.migrations) async throws -> [Migration] {
        try await withConnection(forWriting: true) { database in
            if engine == .postgresql {
                try await database.raw("SELECT pg_advisory_lock(\(bind: Self.migrationLockKey))").run()
            }
            do {
                let applied = try await applyPendingMigrations(migrations, in: database)
                if engine == .postgresql {
                    try await database.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                }
                return applied
            } catch {
                if engine == .postgresql {
                    _ = try? await database.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                }
                throw error
            }
        }
    }

    /// The migrations the database has recorded, in order; empty for a new database.
    public func appliedMigrations() async throws -> [AppliedMigration] {
        try await withConnection(forWriting: true) { database in
            try await createMigrationTable(in: database)
            return try await appliedMigrations(in: database)
        }
    }

    private func applyPendingMigrations(
        _ migrations: [Migration], in database: any SQLDatabase
    ) async throws -> [Migration] {
        try await createMigrationTable(in: database)
        let known = migrations.map(\.version).max() ?? 0
        if let newest = try await appliedMigrations(in: database).last, newest.version > known {
            throw StoreError.schemaTooNew(
                "the database schema is at version \(newest.version) ('\(newest.name)'), newer than the \(known) "
                    + "this collector knows; run the collector version that migrated it, or a newer one")
        }
        var applied: [Migration] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            let ran = try await inTransaction(database) { database in
                // Checked again inside the transaction: another process may have applied it meanwhile.
                let recorded = try await database.raw(
                    "SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)"
                ).first()
                guard recorded == nil else { return false }
                for statement in migration.statements(for: engine) {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await database.raw(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name),
                        \(bind: WireTimestamp.now().microseconds))
                    """
                ).run()
                return true
            }
            if ran {
                logger.info(
                    "applied a database migration",
                    metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
                applied.append(migration)
            }
        }
        return applied
    }

    private func createMigrationTable(in database: any SQLDatabase) async throws {
        try await database.raw(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at BIGINT NOT NULL
            )
            """
        ).run()
    }

    private func appliedMigrations(in database: any SQLDatabase) async throws -> [AppliedMigration] {
        try await database.raw("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all().map {
            AppliedMigration(
                version: Int(try $0.decode(column: "version", as: Int64.self)),
                name: try $0.decode(column: "name", as: String.self),
                appliedAt: WireTimestamp(microseconds: try $0.decode(column: "applied_at", as: Int64.self))
            )
        }
    }
}
