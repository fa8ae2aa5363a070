/// The SQL engines the store runs on; the queries are the same, a few statements differ.
public enum DatabaseEngine: String, Sendable, Hashable, CaseIterable {
    /// SQLite, the embedded default: one file, WAL journal, one collector.
    case sqlite
    /// PostgreSQL: several collectors behind a load balancer share one database.
    case postgresql
}
