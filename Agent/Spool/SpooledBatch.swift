import FaultlineCore

/// A batch waiting in the spool, as the shipper sends it.
public struct SpooledBatch: Hashable, Sendable {
    /// The spool's key for the batch: pass it back to ``Spool/delivered(sequence:)`` and its siblings.
    public var sequence: Int64
    /// `<agent uuid>:<sequence>`, the id the collector deduplicates on.
    public var batchID: String
    /// The gzip-compressed JSON: the request body, sent with `Content-Encoding: gzip`.
    public var body: [UInt8]
    /// How many times sending it failed so far.
    public var attempts: Int
    /// When the batch was committed.
    public var createdAt: WireTimestamp

    /// Creates a spooled batch; ``Spool`` makes them.
    public init(sequence: Int64, batchID: String, body: [UInt8], attempts: Int, createdAt: WireTimestamp = .now()) {
        self.sequence = sequence
        self.batchID = batchID
        self.body = body
        self.attempts = attempts
        self.createdAt = createdAt
    }
}
