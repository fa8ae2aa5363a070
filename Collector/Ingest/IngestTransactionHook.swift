import SQLKit

/// Work that must commit or roll back together with a batch: the ticket engine's decisions and the emails
/// (outbox rows) they cause.
///
/// ``BatchIngestor`` calls each hook last, inside the ingest transaction, once the batches stored together,
/// their fingerprints, groups, merges, hosts and occurrences are written. A hook that throws rolls them all
/// back; the collector then stores them one at a time, and the agent sends again any that failed. Open tickets with an insert that the partial unique index
/// `tickets_one_open_per_group` may refuse: on PostgreSQL another collector may have opened the group's
/// ticket a moment earlier (use `INSERT ... ON CONFLICT DO NOTHING` and read the winner's row).
public protocol IngestTransactionHook: Sendable {
    /// Acts on `batches`, in the order they were stored, writing through `database`, a connection inside the
    /// ingest transaction. The result must be the same as acting on each batch in turn. What the hook may only
    /// remember once the transaction committed goes to `afterCommit`.
    func batchesStored(
        _ batches: [IngestedBatch], in database: any SQLDatabase, engine: DatabaseEngine, afterCommit: AfterCommit
    ) async throws
}
