import Logging
import NIOCore
import NIOPosix
import SQLiteKit

/// Opens SQLite connections for the store: foreign keys on, a busy timeout so that another process using the
/// same file (an admin command) makes a writer wait rather than fail, and the sync setting asked for.
///
/// The agent deletes a batch once the collector says it is stored, so a commit must reach the disk before
/// anyone is told. Readers sync on commit (`FULL`, though they do not write); the writer does not (`NORMAL`),
/// and the store syncs the WAL after its commits instead (``WALSync``), one `fsync` for several commits.
struct SQLiteConnectionSetup: ConnectionPoolSource {
    private let source: SQLiteConnectionSource
    private let synchronous: String

    /// A source for the database file at `path`, whose connections block `threadPool`'s threads; a commit
    /// syncs the WAL itself unless `syncsOnCommit` is false.
    init(path: String, threadPool: NIOThreadPool, syncsOnCommit: Bool) {
        source = SQLiteConnectionSource(
            configuration: SQLiteConfiguration(storage: .file(path: path)), threadPool: threadPool)
        synchronous = syncsOnCommit ? "FULL" : "NORMAL"
    }

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        source.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            connection.query("PRAGMA busy_timeout = 30000")
                .flatMap { _ in connection.query("PRAGMA synchronous = \(synchronous)") }
                .map { _ in connection }
                .flatMapError { error in connection.close().flatMapThrowing { throw error } }
        }
    }
}
