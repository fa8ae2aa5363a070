import Foundation
import NIOPosix
import Synchronization

/// Puts an SQLite database's write-ahead log on disk after commits, so that the writer need not wait for it.
///
/// The writer connection commits with `synchronous = NORMAL`: a commit writes its WAL frames but does not
/// `fsync` them, and SQLite keeps the file consistent after a power cut (losing at most the last commits).
/// What the collector promises (a batch answered 200 is stored; a change the API confirmed stays) needs those
/// commits on disk before the answer: ``sync()`` waits until everything committed before the call is.
///
/// One `fdatasync` of the WAL file covers every commit before it: while one runs, the commits that ask meanwhile
/// wait for the next, together. `fsync` acts on the file, whichever descriptor asks, so this type opens its own
/// (read-only; SQLite locks the database and its `-shm` file, never the WAL). The same file is synced until the
/// path names another: SQLite deletes the WAL when its last connection closes, after checkpointing it into the
/// database, which it syncs itself.
final class WALSync: Sendable {
    /// The `-wal` file beside the database.
    let path: String
    private let threads: NIOThreadPool

    private struct State {
        /// Tickets handed out by ``sync()``, one per call.
        var requested: UInt64 = 0
        var running = false
        var waiting: [(ticket: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        /// The open WAL file, and its inode.
        var file: (descriptor: Int32, inode: UInt64)?
    }

    private let state = Mutex(State())

    /// Syncs the WAL of the database at `databasePath`, blocking a thread of `threads` while it does.
    init(databasePath: String, threads: NIOThreadPool) {
        path = databasePath + "-wal"
        self.threads = threads
    }

    deinit {
        if let file = state.withLock({ $0.file }) { close(file.descriptor) }
    }

    /// The inode of the WAL file last synced, if any.
    var syncedInode: UInt64? {
        state.withLock { $0.file?.inode }
    }

    /// Returns once every commit made before the call is on disk.
    func sync() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let start = state.withLock { state -> Bool in
                state.requested += 1
                state.waiting.append((state.requested, continuation))
                guard !state.running else { return false }
                state.running = true
                return true
            }
            if start { Task { await self.run() } }
        }
    }

    /// Syncs until nobody waits: each round covers the tickets handed out before it started.
    private func run() async {
        while true {
            let target = state.withLock { $0.requested }
            let result: Result<Void, any Error>
            do {
                try await threads.runIfActive { try self.syncFile() }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            let (done, more) = state.withLock { state in
                let done = state.waiting.filter { $0.ticket <= target }.map(\.continuation)
                state.waiting.removeAll { $0.ticket <= target }
                state.running = !state.waiting.isEmpty
                return (done, state.running)
            }
            for continuation in done { continuation.resume(with: result) }
            guard more else { return }
        }
    }

    /// `fdatasync` of the WAL file, opened (again) when the path names another file than the one open.
    private func syncFile() throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            // No WAL: the last connection closed, after checkpointing it into the database.
            if errno == ENOENT { return }
            throw WALSyncError(path: path, operation: "stat", code: errno)
        }
        let inode = UInt64(status.st_ino)
        let descriptor = try state.withLock { state throws -> Int32 in
            if let file = state.file, file.inode == inode { return file.descriptor }
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw WALSyncError(path: path, operation: "open", code: errno) }
            if let old = state.file { close(old.descriptor) }
            state.file = (descriptor, inode)
            return descriptor
        }
        guard fdatasync(descriptor) == 0 else { throw WALSyncError(path: path, operation: "fdatasync", code: errno) }
    }
}

/// The WAL could not be synced: whether the last commits are on disk is unknown.
struct WALSyncError: Error, CustomStringConvertible {
    var path: String
    var operation: String
    var code: Int32

    var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}
