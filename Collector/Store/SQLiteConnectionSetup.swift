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
/// The writer also checkpoints the WAL less often than SQLite's default (every 1,000 pages): the checkpoint
/// runs inside the commit that crosses the mark, copies each page once however many commits wrote it, and then
/// syncs the database file. Ingest rewrites the same few hundred pages (hourly buckets, counts) in every
/// transaction, so a checkpoint every ``writerCheckpointPages`` pages costs about what one every 1,000 did,
/// ten times less often; the WAL file grows to about 40 MB between checkpoints.
struct SQLiteConnectionSetup: ConnectionPoolSource {
    /// The WAL pages after which the writer's commit checkpoints (`wal_autocheckpoint`).
    static let writerCheckpointPages = 10_000

    private let source: SQLiteConnectionSource
    private let pragmas: [String]

    /// A source for the database file at `path`, whose connections block `threadPool`'s threads. A writer's
    /// commits leave the WAL's sync to the store and checkpoint every ``writerCheckpointPages`` pages; a
    /// reader's sync themselves.
    init(path: String, threadPool: NIOThreadPool, forWriting: Bool) {
        source = SQLiteConnectionSource(
            configuration: SQLiteConfiguration(storage: .file(path: path)), threadPool: threadPool)
        pragmas =
            forWriting
            ? ["synchronous = NORMAL", "wal_autocheckpoint = \(Self.writerCheckpointPages)"] : ["synchronous = FULL"]
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
