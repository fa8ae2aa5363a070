/// One versioned change to the database schema.
///
/// Migrations run in order of ``version``, each in its own transaction, and are recorded in
/// `schema_migrations`. A migration that has been released is never edited: a change to the schema is a
/// new migration at the end of ``CollectorSchema/migrations``.
public struct Migration: Sendable {
    /// The position in the sequence, from 1, without gaps.
    public let version: Int
    /// What it does, as `schema_migrations` records it.
    public let name: String
    private let statements: @Sendable (DatabaseEngine) -> [String]

    /// Creates a migration from the statements it runs on each engine.
    init(version: Int, name: String, statements: @escaping @Sendable (DatabaseEngine) -> [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// The statements to run on `engine`, in order.
    func statements(for engine: DatabaseEngine) -> [String] {
        statements(engine)
    }
}
