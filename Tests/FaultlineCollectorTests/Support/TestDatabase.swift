import FaultlineCollector
import FaultlineCore
import FaultlineTestSupport
import Foundation
import Logging
import SQLKit
import Synchronization

/// A fresh, migrated database on one engine for one test: an SQLite file in a scratch directory, or a new
/// database in the suite's ``PostgresCluster``.
final class TestDatabase: Sendable {
    /// Why a test database could not be made.
    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    /// Where the database is; another ``Store`` opened on it plays a second collector.
    let url: DatabaseURL
    /// The store the test works with.
    let store: Store
    private let directory: ScratchDirectory?
    private let otherStores = Mutex<[Store]>([])

    private init(url: DatabaseURL, store: Store, directory: ScratchDirectory?) {
        self.url = url
        self.store = store
        self.directory = directory
    }

    static let logger: Logger = {
        var logger = Logger(label: "faultline.collector.test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with a new database on `engine`, and closes every store opened on it afterwards, whether
    /// `body` returns or throws.
    static func with<Result>(
        _ engine: DatabaseEngine, _ body: (TestDatabase) async throws -> Result
    ) async throws -> Result {
        let test = try await make(engine)
        do {
            let result = try await body(test)
            try await test.close()
            return result
        } catch {
            try? await test.close()
            throw error
        }
    }

    /// Creates and migrates a database on `engine`.
    private static func make(_ engine: DatabaseEngine) async throws -> TestDatabase {
        let url: DatabaseURL
        var directory: ScratchDirectory?
        switch engine {
        case .sqlite:
            let scratch = try ScratchDirectory(prefix: "faultline-collector")
            url = .sqlite(path: scratch.file("collector.db"))
            directory = scratch
        case .postgresql:
            guard let cluster = PostgresCluster.current else {
                throw SetupError(description: "PostgreSQL tests must run in a suite with the .postgresCluster trait")
            }
            let name = "faultline_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
            let administration = try await Store.open(
                .postgres(url: cluster.url(database: "postgres")), maximumConnections: 1, logger: logger)
            try await administration.withConnection { database in
                try await database.raw("CREATE DATABASE \(ident: name)").run()
            }
            try await administration.shutdown()
            url = .postgres(url: cluster.url(database: name))
        }
        let store = try await Store.open(url, maximumConnections: 4, logger: logger)
        try await store.migrate()
        return TestDatabase(url: url, store: store, directory: directory)
    }

    /// Opens a second store on the same database: another collector. It is closed with the database.
    func openAnotherStore() async throws -> Store {
        let store = try await Store.open(url, maximumConnections: 4, logger: Self.logger)
        otherStores.withLock { $0.append(store) }
        return store
    }

    private func close() async throws {
        for other in otherStores.withLock({ $0 }) {
            try await other.shutdown()
        }
        try await store.shutdown()
        _ = directory
    }
}

extension Store {
    /// The integer the query's first row holds in `column`.
    func integer(_ query: SQLQueryString, column: String = "value") async throws -> Int64 {
        try await withConnection { database in
            guard let row = try await database.raw(query).first() else { return 0 }
            return try row.decode(column: column, as: Int64?.self) ?? 0
        }
    }

    /// The sum of the `count` column of `table`.
    func totalCount(in table: String) async throws -> Int64 {
        try await integer("SELECT CAST(SUM(count) AS BIGINT) AS value FROM \(ident: table)")
    }

    /// The strings of `column` in every row of the query.
    func strings(_ query: SQLQueryString, column: String = "value") async throws -> [String] {
        try await withConnection { database in
            try await database.raw(query).all().map { try $0.decode(column: column, as: String.self) }
        }
    }
}
