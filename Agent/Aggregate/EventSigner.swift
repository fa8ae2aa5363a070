import FaultlineCore

/// Decides whether a ``LogEvent`` is an error and, when it is, signs it: the first two steps of the pipeline
/// after the sources (detect, then fingerprint).
///
/// An event that carries a severity (journald's `PRIORITY`) is an error when that severity is at or above the
/// configured level; one without (a file line, a journald entry without `PRIORITY`) goes through the text
/// ``ErrorDetector``. Both use the detector configuration's `maximumSeverity` (`err` by default), so one setting
/// decides for every source. The signer also counts what it sees for the next batch's `health`.
///
/// ```swift
/// var signer = EventSigner()
/// if let (severity, signature) = signer.sign(event) {
///     aggregator.add(event, severity: severity, signature: signature)
/// }
/// let counts = signer.takeCounts()  // at flush time, into Batch.Health
/// ```
public struct EventSigner: Sendable {
    /// What the signer has seen since the counts were last taken.
    public struct Counts: Hashable, Sendable {
        /// Events handed to ``EventSigner/sign(_:)``: journal entries, file lines, and multi-line events
        /// (a stack trace counts once).
        public var linesRead: Int
        /// Of those, how many were errors.
        public var errorsSeen: Int

        /// Creates counts.
        public init(linesRead: Int = 0, errorsSeen: Int = 0) {
            self.linesRead = linesRead
            self.errorsSeen = errorsSeen
        }
    }

    private let detector: ErrorDetector
    private let fingerprinter = Fingerprinter()
    /// The counts since the last ``takeCounts()``.
    public private(set) var counts = Counts()

    /// Creates a signer; `detector` holds the level words, markers and the least urgent severity reported.
    public init(detector: ErrorDetector.Configuration = .init()) {
        self.detector = ErrorDetector(configuration: detector)
    }

    /// The event's severity and signature when it is an error, or `nil` when it is not.
    ///
    /// The fingerprint covers the message bytes and the event's `identity` (unit, syslog identifier or app
    /// label), so the same message from two programs makes two fingerprints.
    public mutating func sign(_ event: LogEvent) -> (severity: Severity, signature: Signature)? {
        counts.linesRead += 1
        let severity: Severity?
        if let known = event.severity {
            severity = detector.isError(priority: known.rawValue) ? known : nil
        } else {
            severity = event.message.withUnsafeBufferPointer { detector.detect($0) }
        }
        guard let severity else { return nil }
        counts.errorsSeen += 1
        let signature = event.message.withUnsafeBufferPointer { fingerprinter.sign($0, source: event.identity) }
        return (severity, signature)
    }

    /// Returns the counts since the last call and starts counting from zero.
    ///
    /// Take them when the aggregator is drained and hand both to the same ``Spool`` commit, so that the counts
    /// travel with the lines they describe.
    public mutating func takeCounts() -> Counts {
        defer { counts = Counts() }
        return counts
    }
}
