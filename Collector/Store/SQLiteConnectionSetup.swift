import Logging
import NIOCore
import NIOPosix
import SQLiteKit

/// Opens SQLite connections for the store: foreign keys on, full sync on commit (the agent deletes a batch
/// once the collector says it is stored, so a commit must survive a power cut), and a busy timeout so
/// that another process using the same file (an admin command) makes a writer wait rather than fail.
struct SQLiteConnectionSetup: ConnectionPoolSource {
    private let source: SQLiteConnectionSource

    /// A source for the database file at `path`, whose connections block `threadPool`'s threads.
    init(path: String, threadPool: NIOThreadPool) {
        source = SQLiteConnectionSource(
            configuration: SQLiteConfiguration(storage: .file(path: path)), threadPool: threadPool)
    }

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        source.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            connection.query("PRAGMA busy_timeout = 30000")
                .flatMap { _ in connection.query("PRAGMA synchronous = FULL") }
                .map { _ in connection }
                .flatMapError { error in connection.close().flatMapThrowing { throw error } }
        }
    }
}
