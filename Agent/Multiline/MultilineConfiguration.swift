/// How a file source groups consecutive lines into one event, and how far one event may grow.
///
/// The default recognises Java, Python and Go stack traces, so that a trace becomes one event and one
/// fingerprint. When a file's events start with something recognisable (a timestamp, a level), list it in
/// ``Rule/startPatterns(_:)`` instead: every line that does not match joins the event before it.
public struct MultilineConfiguration: Sendable, Hashable {
    /// What decides where an event starts.
    public enum Rule: Sendable, Hashable {
        /// Every line is an event of its own.
        case singleLines
        /// Built-in recognition of stack traces; other lines are events of their own:
        ///
        /// - Java: indented `at ...` frames, `... N more`, `... N common frames omitted`, `Caused by: ...` and
        ///   indented `Suppressed: ...` lines join the line before them (usually the exception's own line);
        /// - Python: `Traceback (most recent call last):` joins the line before it (what `logging.exception`
        ///   writes), then its indented frames, the exception line, and chained tracebacks
        ///   (`During handling of the above exception...`, `The above exception was the direct cause...`);
        /// - Go: `panic: ...` or `fatal error: ...` starts an event that takes the `[signal ...]` line, the
        ///   `goroutine N [...]:` headers, function and indented file lines, `created by ...` and blank lines.
        case stackTraces
        /// A line matching any of the patterns starts an event; every other line joins the event before it.
        case startPatterns([LineStartPattern])
    }

    /// Where events start.
    public var rule: Rule
    /// The most lines one event keeps; further lines of the same event are dropped and the event is marked
    /// truncated.
    public var maximumLines: Int
    /// The most bytes one event's message keeps, line breaks included; the rest is dropped as for
    /// ``maximumLines``.
    public var maximumBytes: Int
    /// How long an event waits for its next line before it is considered complete. Measured with the `now`
    /// the caller passes; nothing here runs a timer.
    public var maximumWait: Duration

    /// Creates a configuration; the defaults suit stack traces of ordinary depth.
    public init(
        rule: Rule = .stackTraces,
        maximumLines: Int = 500,
        maximumBytes: Int = 256 * 1024,
        maximumWait: Duration = .seconds(2)
    ) {
        self.rule = rule
        self.maximumLines = maximumLines
        self.maximumBytes = maximumBytes
        self.maximumWait = maximumWait
    }
}
