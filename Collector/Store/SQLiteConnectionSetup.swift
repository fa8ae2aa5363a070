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
///
/// The writer does not checkpoint the WAL itself (`wal_autocheckpoint = 0`): a checkpoint in a commit would
/// make every batch waiting for the writer wait for it too. ``WALCheckpoint`` runs them beside it.
struct SQLiteConnectionSetup: ConnectionPoolSource {
    private let source: SQLiteConnectionSource
    private let pragmas: [String]

    /// A source for the database file at `path`, whose connections block `threadPool`'s threads. A writer's
    /// commits leave the WAL's sync and its checkpoints to the store; a reader's sync themselves.
    init(path: String, threadPool: NIOThreadPool, forWriting: Bool) {
        source = SQLiteConnectionSource(
            configuration: SQLiteConfiguration(storage: .file(path: path)), threadPool: threadPool)
        pragmas =
            forWriting
            ? ["synchronous = NORMAL", "wal_autocheckpoint = 0"] : ["synchronous = FULL"]
    }

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        source.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            pragmas.reduce(connection.query("PRAGMA busy_timeout = 30000")) { done, pragma in
                done.flatMap { _ in connection.query("PRAGMA \(pragma)") }
            }
            .map { _ in connection }
            .flatMapError { error in connection.close().flatMapThrowing { throw error } }
        }
    }
}
