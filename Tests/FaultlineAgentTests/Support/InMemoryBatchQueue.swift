import FaultlineAgent
import FaultlineCore

/// A `BatchQueue` in memory that records what the shipper did with each batch.
final class InMemoryBatchQueue: BatchQueue {
    /// One `retryLater` call.
    struct Retry {
        var sequence: Int64
        var at: WireTimestamp
        var error: String
    }

    private var pending: [(batch: SpooledBatch, dueAt: WireTimestamp?)] = []
    /// Sequences passed to `delivered`, in order.
    private(set) var deliveredSequences: [Int64] = []
    /// `deadLetter` calls as (sequence, reason), in order.
    private(set) var deadLetters: [(sequence: Int64, reason: String)] = []
    /// `retryLater` calls, in order.
    private(set) var retries: [Retry] = []
    /// How many times `nextDue` was called.
    private(set) var nextDueCalls = 0
    /// When set, every method throws an error with this message, as a broken spool would.
    var failure: String?

    /// The error a broken spool throws.
    struct SpoolFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Creates a queue holding `batches`, all due at once.
    init(_ batches: [SpooledBatch] = []) {
        pending = batches.map { ($0, nil) }
    }

    /// Batches neither delivered nor dead-lettered.
    var remaining: [SpooledBatch] { pending.map(\.batch) }

    /// Adds a batch, due at once.
    func add(_ batch: SpooledBatch) {
        pending.append((batch, nil))
    }

    func nextDue(now: WireTimestamp) throws -> SpooledBatch? {
        nextDueCalls += 1
        if let failure { throw SpoolFailure(description: failure) }
        return pending.first { $0.dueAt.map { $0 <= now } ?? true }?.batch
    }

    func delivered(sequence: Int64) throws {
        if let failure { throw SpoolFailure(description: failure) }
        deliveredSequences.append(sequence)
        pending.removeAll { $0.batch.sequence == sequence }
    }

    func retryLater(sequence: Int64, at: WireTimestamp, error: String) throws {
        if let failure { throw SpoolFailure(description: failure) }
        retries.append(Retry(sequence: sequence, at: at, error: error))
        guard let index = pending.firstIndex(where: { $0.batch.sequence == sequence }) else { return }
        pending[index].batch.attempts += 1
        pending[index].dueAt = at
    }

    func deadLetter(sequence: Int64, reason: String) throws {
        if let failure { throw SpoolFailure(description: failure) }
        deadLetters.append((sequence, reason))
        pending.removeAll { $0.batch.sequence == sequence }
    }
}
