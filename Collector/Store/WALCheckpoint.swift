import Logging
import SQLKit
import Synchronization

/// Checkpoints an SQLite database's write-ahead log beside the writer, rather than inside its commits.
///
/// SQLite's automatic checkpoint runs in the commit that takes the WAL past 1,000 pages: that commit copies
/// the pages into the database file and syncs it, and every batch waiting for the writer waits too. The
/// writer connection turns it off (`wal_autocheckpoint = 0`). Instead, at most every ``interval`` after writes,
/// a reader connection runs `PRAGMA wal_checkpoint(PASSIVE)`, which SQLite lets run while the writer writes.
///
/// SQLite starts the WAL file over only once a checkpoint has taken every frame of it, which one running
/// beside the writer's next transaction never does. So once the WAL holds ``restartFrames`` frames, the
/// checkpoint runs once more in the writer's turn, between two transactions: it takes the few frames written
/// since, and the writer's next transaction starts the file over. The WAL file stays around that size.
final class WALCheckpoint: Sendable {
    /// The least time between two checkpoints.
    let interval: Duration
    /// The WAL frames (pages) from which a checkpoint also runs in the writer's turn.
    let restartFrames: Int

    private struct State {
        var running: Task<Void, Never>?
        var last = ContinuousClock.now
        var closed = false
    }

    private let state = Mutex(State())

    /// A checkpointer that runs at most every `interval`, in the writer's turn from `restartFrames` frames.
    init(interval: Duration = .milliseconds(200), restartFrames: Int = 10_000) {
        self.interval = interval
        self.restartFrames = restartFrames
    }

    /// Notes that the writer committed: starts a checkpoint of `store`'s WAL unless one runs or the last
    /// started less than ``interval`` ago.
    func written(_ store: Store) {
        state.withLock { state in
            guard !state.closed, state.running == nil, ContinuousClock.now - state.last >= interval else { return }
            state.last = .now
            state.running = Task {
                await self.checkpoint(store)
                self.state.withLock { $0.running = nil }
            }
        }
    }

    /// Waits for the checkpoint that runs, if any, and starts no other.
    func close() async {
        let running = state.withLock { state -> Task<Void, Never>? in
            state.closed = true
            return state.running
        }
        await running?.value
    }

    /// One checkpoint beside the writer, then one in its turn when the WAL is large.
    private func checkpoint(_ store: Store) async {
        do {
            let frames = try await Self.passive(store, forWriting: false)
            if frames >= restartFrames {
                _ = try await Self.passive(store, forWriting: true)
            }
        } catch {
            store.logger.warning(
                "could not checkpoint the SQLite WAL into the database; it will be tried again",
                metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Runs `PRAGMA wal_checkpoint(PASSIVE)` on a reader connection, or on the writer's; gives the frames the
    /// WAL holds.
    private static func passive(_ store: Store, forWriting: Bool) async throws -> Int {
        try await store.withConnection(forWriting: forWriting) { database in
            try await database.raw("PRAGMA wal_checkpoint(PASSIVE)").first()?.decode(column: "log", as: Int.self) ?? 0
        }
    }
}
