import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLiteKit

/// The collector's database: one implementation over SQL (SQLKit) that runs on SQLite and on PostgreSQL.
///
/// Every query goes through ``withConnection(forWriting:_:)`` or ``withTransaction(_:)`` and is written once,
/// in SQL both engines accept; the few statements that differ ask ``engine``. Times are stored as
/// microseconds since the Unix epoch (UTC) in `BIGINT` columns, JSON as `TEXT`, so that the two engines
/// hold the same values.
///
/// On SQLite the store keeps one connection for writing and a pool for reading: SQLite has one writer at a
/// time anyway, and writers queued for one connection wait in the store, not in SQLite's busy handler on a
/// blocked thread. Write transactions start with `BEGIN IMMEDIATE`, so a transaction never
/// has to upgrade a read lock (which fails at once in WAL mode). On PostgreSQL every connection can write;
/// the invariants that several collectors must respect are enforced by the database (unique keys, the
/// partial unique index on open tickets, advisory locks around grouping and migrations).
///
/// ```swift
/// let store = try await Store.open(.sqlite(path: "/var/lib/faultline/collector.db"), logger: logger)
/// try await store.migrate()
/// let clients = try await store.clients()
/// try await store.shutdown()
/// ```
public final class Store: @unchecked Sendable {
    // @unchecked: the connection pools lock their own state and hop to their event loops.

    /// The engine behind the store.
    public let engine: DatabaseEngine
    /// The store's logger; queries are logged at trace level.
    public let logger: Logger
    /// Grouping stages kept between batches, checked against the database before each use.
    let groupingCache = GroupingCache()
    /// Where the ingest writer runs: the event loop of the connection it writes through (SQLite), or one of
    /// the pool's (PostgreSQL).
    let writerExecutor: EventLoopTaskExecutor
    /// Syncs the SQLite writer's WAL after its commits; `nil` on PostgreSQL, whose commits are on disk.
    let walSync: WALSync?
    /// Checkpoints the SQLite WAL beside the writer; `nil` on PostgreSQL.
    let walCheckpoint: WALCheckpoint?
    private let pools: Pools

    private enum Pools {
        case sqlite(
            reader: EventLoopGroupConnectionPool<SQLiteConnectionSetup>,
            writer: EventLoopGroupConnectionPool<SQLiteConnectionSetup>,
            threads: NIOThreadPool
        )
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    private init(
        engine: DatabaseEngine, pools: Pools, writerLoop: any EventLoop, walSync: WALSync? = nil,
        walCheckpoint: WALCheckpoint? = nil, logger: Logger
    ) {
        self.engine = engine
        self.pools = pools
        self.logger = logger
        self.walSync = walSync
        self.walCheckpoint = walCheckpoint
        writerExecutor = EventLoopTaskExecutor(writerLoop)
    }

    /// Opens the database at `url` and checks that it can be reached.
    ///
    /// An SQLite file is created when missing (its directory must exist) and switched to the WAL journal.
    /// - Parameters:
    ///   - url: Which database.
    ///   - maximumConnections: The most connections to open.
    ///   - logger: Where the store logs.
    ///   - eventLoopGroup: The event loops the connections run on.
    public static func open(
        _ url: DatabaseURL,
        maximumConnections: Int = 8,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Store {
        let loops = Array(eventLoopGroup.makeIterator())
        let perLoop = max(1, (maximumConnections + loops.count - 1) / loops.count)
        let store: Store
        switch url {
        case .sqlite(let path):
            // SQLite calls block a thread, and a connection waiting for another process's lock blocks its
            // thread until the busy timeout: the store's own threads, one per connection, keep that wait from
            // starving the connection that holds the lock, or anything else that uses a shared pool.
            let threads = NIOThreadPool(numberOfThreads: perLoop * loops.count + 1)
            threads.start()
            let reader = EventLoopGroupConnectionPool(
                source: SQLiteConnectionSetup(path: path, threadPool: threads, forWriting: false),
                maxConnectionsPerEventLoop: perLoop, logger: logger, on: eventLoopGroup)
            let writerLoop = eventLoopGroup.next()
            let writer = EventLoopGroupConnectionPool(
                source: SQLiteConnectionSetup(path: path, threadPool: threads, forWriting: true),
                maxConnectionsPerEventLoop: 1, requestTimeout: .seconds(120), logger: logger, on: writerLoop)
            store = Store(
                engine: .sqlite, pools: .sqlite(reader: reader, writer: writer, threads: threads),
                writerLoop: writerLoop, walSync: WALSync(databasePath: path, threads: threads),
                walCheckpoint: WALCheckpoint(), logger: logger)
        case .postgres(let text):
            let configuration = try SQLPostgresConfiguration(url: text)
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: perLoop, requestTimeout: .seconds(30), logger: logger,
                on: eventLoopGroup)
            store = Store(
                engine: .postgresql, pools: .postgres(pool), writerLoop: eventLoopGroup.next(), logger: logger)
        }
        do {
            try await store.prepare()
        } catch {
            try? await store.shutdown()
            let hint =
                url.engine == .sqlite
                ? "; check that its directory exists and that the collector may write there"
                : "; check the URL, that the server runs, and that it accepts this user"
            throw StoreError.cannotOpen(
                "cannot open the database \(url.redacted): \(String(reflecting: error))\(hint)")
        }
        return store
    }

    /// Switches an SQLite file to the WAL journal (a setting the file keeps), or checks that PostgreSQL answers.
    private func prepare() async throws {
        try await withConnection(forWriting: true) { database in
            switch engine {
            case .sqlite:
                let mode = try await database.raw("PRAGMA journal_mode = WAL").first()?
                    .decode(column: "journal_mode", as: String.self)
                if mode != "wal" {
                    logger.warning(
                        "the SQLite database does not use the WAL journal",
                        metadata: ["database.journal_mode": "\(mode ?? "unknown")"])
                }
            case .postgresql:
                _ = try await database.raw("SELECT 1 AS one").first()
            }
        }
    }

    /// Closes every connection; the store cannot be used afterwards.
    public func shutdown() async throws {
        switch pools {
        case .sqlite(let reader, let writer, let threads):
            await walCheckpoint?.close()
            try await reader.shutdownAsync()
            try await writer.shutdownAsync()
            try await threads.shutdownGracefully()
        case .postgres(let pool):
            try await pool.shutdownAsync()
        }
    }

    /// Runs `body` with one connection of its own.
    ///
    /// Statements outside a transaction commit one by one. Writes must ask `forWriting`: on SQLite `body` then
    /// gets the writer connection, after the writes queued before it, and returns once they are on disk.
    public func withConnection<Result>(
        forWriting: Bool = false,
        _ body: (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withConnection(forWriting: forWriting, waitingForDisk: true, body)
    }

    /// Returns once every commit made before the call is on disk; at once on PostgreSQL, whose commits are.
    public func waitForDisk() async throws {
        try await walSync?.sync()
    }

    private func withConnection<Result>(
        forWriting: Bool,
        waitingForDisk: Bool,
        _ body: (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        switch pools {
        case .sqlite(let reader, let writer, _):
            let result = try await Self.withPooledConnection(forWriting ? writer : reader, logger: logger, body) {
                $0.sql(queryLogLevel: .trace)
            }
            if forWriting {
                walCheckpoint?.written(self)
                if waitingForDisk { try await waitForDisk() }
            }
            return result
        case .postgres(let pool):
            return try await Self.withPooledConnection(pool, logger: logger, body) { $0.sql(queryLogLevel: .trace) }
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    ///
    /// On PostgreSQL the transaction runs at READ COMMITTED; whatever must not interleave between
    /// collectors takes a row or advisory lock inside it. Returns once the commit is on disk, unless
    /// `waitingForDisk` is false: the caller then calls ``waitForDisk()`` before telling anyone.
    public func withTransaction<Result>(
        waitingForDisk: Bool = true,
        _ body: (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withConnection(forWriting: true, waitingForDisk: waitingForDisk) { database in
            try await inTransaction(database, body)
        }
    }

    /// Runs `body` in a transaction on `database`, a connection of the caller's own.
    func inTransaction<Result>(
        _ database: any SQLDatabase,
        _ body: (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await database.raw(engine == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
        do {
            let result = try await body(database)
            try await database.raw("COMMIT").run()
            return result
        } catch {
            do {
                try await database.raw("ROLLBACK").run()
            } catch let rollbackError {
                logger.debug("rollback failed", metadata: ["error": "\(String(reflecting: rollbackError))"])
            }
            throw error
        }
    }

    private static func withPooledConnection<Source: ConnectionPoolSource, Result>(
        _ pool: EventLoopGroupConnectionPool<Source>,
        logger: Logger,
        _ body: (any SQLDatabase) async throws -> Result,
        database: (Source.Connection) -> any SQLDatabase
    ) async throws -> Result where Source.Connection: Sendable {
        let connection = try await pool.requestConnection(logger: logger).get()
        do {
            let result = try await body(database(connection))
            pool.releaseConnection(connection, logger: logger)
            return result
        } catch {
            pool.releaseConnection(connection, logger: logger)
            throw error
        }
    }
}

extension DatabaseURL {
    /// The URL without its password, for messages and logs.
    var redacted: String {
        guard case .postgres(let text) = self, let schemeEnd = text.range(of: "://"),
            let at = text[schemeEnd.upperBound...].firstIndex(of: "@")
        else { return description }
        let credentials = text[schemeEnd.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return description }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
