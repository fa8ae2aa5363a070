import FaultlineCore

/// What one call to ``Shipper/shipOnce(now:)`` did; the log says the same in more words.
public enum ShipOutcome: Sendable, Hashable {
    /// No batch is due.
    case idle
    /// The shipper is waiting after a failure and sent nothing; it sends again from `until` on.
    case paused(until: WireTimestamp)
    /// A collector accepted the batch (or already had it), and the spool no longer holds it.
    case delivered(batchID: String, collectorURL: String)
    /// A collector rejected the batch for good; it is in the dead-letter table with `reason`.
    case deadLettered(batchID: String, reason: String)
    /// No collector took the batch for a transient reason (unreachable, overloaded, timed out); it is retried
    /// at `at`, and nothing is sent before then.
    case retryScheduled(batchID: String, at: WireTimestamp, reason: String)
    /// Every collector refused the agent itself (token, URL): the batch is kept, nothing is sent before `until`,
    /// and an operator has to act. `reason` says what to check.
    case refused(batchID: String, until: WireTimestamp, reason: String)
    /// The spool failed; nothing is sent before `until`.
    case queueFailed(reason: String, until: WireTimestamp)
}
