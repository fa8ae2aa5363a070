import FaultlineCore

/// What storing one batch changed: what the ticket engine decides on, inside the same transaction.
public struct IngestedBatch: Sendable {
    /// One group's occurrences in the batch.
    public struct GroupActivity: Sendable, Hashable {
        /// The group, after any merge the batch caused.
        public var group: GroupID
        /// Occurrences in this batch, all fingerprints of the group together.
        public var count: Int
        /// The first occurrence in this batch.
        public var firstSeen: WireTimestamp
        /// The last occurrence in this batch.
        public var lastSeen: WireTimestamp
        /// Whether the batch created the group.
        public var isNew: Bool
    }

    /// The batch's id.
    public var batchID: String
    /// The client whose token sent it.
    public var client: AuthenticatedClient
    /// The host's database id.
    public var hostID: Int64
    /// The host's name.
    public var hostName: String
    /// When the collector received it.
    public var receivedAt: WireTimestamp
    /// The groups that occurred, by group id.
    public var groups: [GroupActivity]
    /// Merges of existing groups that the batch caused: the absorbed groups' open tickets should now be
    /// closed as merged into the survivor's.
    public var merges: [GroupMerge]
}

/// The result of ``BatchIngestor/ingest(_:from:receivedAt:)``.
public enum IngestOutcome: Sendable {
    /// The batch was stored.
    case stored(IngestedBatch)
    /// A batch with this id was stored before; nothing changed.
    case duplicate
}
