import FaultlineCore

/// One log event as a source hands it to the pipeline: a journald entry, a file line, or a multi-line event
/// (a stack trace) assembled from several file lines.
public struct LogEvent: Sendable {
    /// The message alone (journald's `MESSAGE`, or the file line(s) without the line breaks between events).
    public var message: [UInt8]
    /// When it was logged (journald's realtime timestamp) or read (file lines carry no reliable time).
    public var time: WireTimestamp
    /// Where it came from, as the wire format reports it.
    public var source: Batch.Source
    /// The source identity that goes into the fingerprint: unit, syslog identifier, or the file's app label.
    public var identity: String
    /// The severity when the source knows it (journald `PRIORITY`); `nil` lets the text detector decide.
    public var severity: Severity?
    /// Where to find the raw event again: a journald cursor or `path:offset`.
    public var position: EventPosition
    /// Whether the event was cut at the configured maximum length.
    public var truncated: Bool

    /// Creates an event.
    public init(
        message: [UInt8], time: WireTimestamp, source: Batch.Source, identity: String, severity: Severity?,
        position: EventPosition, truncated: Bool = false
    ) {
        self.message = message
        self.time = time
        self.source = source
        self.identity = identity
        self.severity = severity
        self.position = position
        self.truncated = truncated
    }
}

/// Where a raw event lives, kept with samples so an operator can find it again.
public enum EventPosition: Sendable, Hashable {
    /// A journald cursor.
    case cursor(String)
    /// A byte offset in a file.
    case file(path: String, offset: Int64)
}
