import FaultlineCore
import Synchronization

/// Group commit: batches that arrive while another transaction is being written wait, and are then stored
/// together in one transaction, each request answered once that transaction committed.
///
/// At most one transaction of this queue is in flight: a batch that arrives to an idle queue is written at
/// once, alone; under load each transaction takes every batch that waited (up to ``maximumBatches``), so the
/// statements, the round trips and the commit's `fsync` are shared by all of them. Each batch is still stored
/// whole or not at all: when a transaction fails, its batches are stored again one at a time, so that only a
/// batch that fails on its own is answered with the error (unless two fail in a row: then the database is
/// failing, and the others are answered with the error at once).
///
/// A transaction's batches are answered once it is on disk. On SQLite the next transaction does not wait for
/// that: it runs while the WAL is synced (``WALSync``).
public final class IngestQueue: Sendable {
    /// What stores the batches.
    public let ingestor: BatchIngestor
    /// The most batches one transaction takes.
    public let maximumBatches: Int

    private struct Waiting {
        var batch: PendingBatch
        var continuation: CheckedContinuation<IngestOutcome, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    private let state = Mutex(State())

    /// Creates a queue writing through `ingestor`, at most `maximumBatches` batches per transaction.
    public init(ingestor: BatchIngestor, maximumBatches: Int = 256) {
        precondition(maximumBatches >= 1, "a transaction takes one batch at least")
        self.ingestor = ingestor
        self.maximumBatches = maximumBatches
    }

    /// How many batches wait for the transaction in flight to end.
    public var waiting: Int {
        state.withLock { $0.waiting.count }
    }

    /// Stores `batch` (see ``BatchIngestor/ingest(_:from:receivedAt:)``), with whatever else waits.
    public func ingest(
        _ batch: Batch, from client: AuthenticatedClient, receivedAt: WireTimestamp
    ) async throws -> IngestOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state in
                state.waiting.append(
                    Waiting(
                        batch: PendingBatch(batch, from: client, receivedAt: receivedAt), continuation: continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if startWriter {
                Task(executorPreference: ingestor.store.writerExecutor) { await self.write() }
            }
        }
    }

    /// Writes what waits, transaction after transaction, until nothing does.
    private func write() async {
        while true {
            let group = state.withLock { state -> [Waiting] in
                let group = Array(state.waiting.prefix(maximumBatches))
                state.waiting.removeFirst(group.count)
                if group.isEmpty { state.writing = false }
                return group
            }
            guard !group.isEmpty else { return }
            await store(group)
        }
    }

    private func store(_ group: [Waiting]) async {
        do {
            // The next transaction starts while this one's WAL is synced; its batches are answered after.
            let outcomes = try await ingestor.ingest(group.map(\.batch), waitingForDisk: false)
            let store = ingestor.store
            Task {
                do {
                    try await store.waitForDisk()
                } catch {
                    store.logger.error(
                        "could not sync the database to disk", metadata: ["error": "\(String(reflecting: error))"])
                    for waiting in group { waiting.continuation.resume(throwing: error) }
                    return
                }
                for (waiting, outcome) in zip(group, outcomes) {
                    waiting.continuation.resume(with: outcome.mapError { $0 as any Error })
                }
            }
        } catch {
            guard group.count > 1 else {
                group[0].continuation.resume(throwing: error)
                return
            }
            // One at a time: a batch that fails alone is the culprit. Two failing in a row say the database
            // is failing, not a batch: the rest get the error at once instead of a timeout each.
            var failuresInARow = 0
            for waiting in group {
                if failuresInARow >= 2 {
                    waiting.continuation.resume(throwing: error)
                    continue
                }
                do {
                    let outcome = try await ingestor.ingest([waiting.batch])[0]
                    failuresInARow = 0
                    waiting.continuation.resume(with: outcome.mapError { $0 as any Error })
                } catch {
                    failuresInARow += 1
                    waiting.continuation.resume(throwing: error)
                }
            }
        }
    }
}
