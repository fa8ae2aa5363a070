import Testing

/// The suites that need a database: each test runs on SQLite and on a real PostgreSQL, started once for
/// all of them.
@Suite(.postgresCluster) struct DatabaseTests {}
