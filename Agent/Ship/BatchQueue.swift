import FaultlineCore

/// A spooled batch ready to send.
public struct SpooledBatch: Sendable {
    /// The spool's key for the batch, increasing in the order batches were written.
    public var sequence: Int64
    /// The wire `batch_id` (`<agent uuid>:<sequence>`), sent as `X-Faultline-Batch`; the collector stores a batch
    /// id once, so sending the same batch twice is harmless.
    public var batchID: String
    /// The gzip of the batch's JSON, sent as is.
    public var body: [UInt8]
    /// How many times sending this batch has failed so far (0 for a batch never tried).
    public var attempts: Int

    /// Creates a batch as the spool hands it out.
    public init(sequence: Int64, batchID: String, body: [UInt8], attempts: Int) {
        self.sequence = sequence
        self.batchID = batchID
        self.body = body
        self.attempts = attempts
    }
}

/// Where the ``Shipper`` takes batches from and reports back what became of them: the durable spool.
///
/// The shipper calls these methods from its one thread. Every method that changes a batch must be durable
/// when it returns: a crash right after ``delivered(sequence:)`` must not bring the batch back, and a crash
/// right before it brings it back to be sent again (which the collector tolerates).
public protocol BatchQueue: AnyObject {
    /// The batch to send next among those due at `now` (never tried, or whose retry time has come), oldest
    /// first; `nil` when none is due.
    func nextDue(now: WireTimestamp) throws -> SpooledBatch?
    /// Removes a batch the collector accepted.
    func delivered(sequence: Int64) throws
    /// Records a failed attempt: counts it in ``SpooledBatch/attempts``, keeps `error` for the operator, and
    /// holds the batch back from ``nextDue(now:)`` until `at`.
    func retryLater(sequence: Int64, at: WireTimestamp, error: String) throws
    /// Moves a batch the collector will never accept out of the queue, keeping it and `reason` for the operator.
    func deadLetter(sequence: Int64, reason: String) throws
}
