import FaultlineCore

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
