import SQLKit

/// Work that must commit or roll back together with a batch: the ticket engine's decisions and the emails
/// (outbox rows) they cause.
///
/// ``BatchIngestor`` calls each hook last, inside the ingest transaction, once the batch, its fingerprints,
/// groups, merges, host and occurrences are written. A hook that throws rolls the whole batch back; the
/// agent then sends it again. Open tickets with an insert that the partial unique index
/// `tickets_one_open_per_group` may refuse: on PostgreSQL another collector may have opened the group's
/// ticket a moment earlier (use `INSERT ... ON CONFLICT DO NOTHING` and read the winner's row).
public protocol IngestTransactionHook: Sendable {
    /// Acts on `batch`, writing through `database`, a connection inside the ingest transaction.
    func batchStored(_ batch: IngestedBatch, in database: any SQLDatabase, engine: DatabaseEngine) async throws
}
