/// One complete event from a ``MultilineAssembler``: one or more lines joined with `\n`.
public struct MultilineEvent: Sendable, Hashable {
    /// The lines, joined with `\n`, without a final line break.
    public var message: [UInt8]
    /// The offset of the event's first byte in the file (the offset its first line was given).
    public var offset: Int64
    /// How many lines went into the event, dropped ones included.
    public var lineCount: Int
    /// Whether a line was cut at its length cap, or the event at ``MultilineConfiguration/maximumLines`` or
    /// ``MultilineConfiguration/maximumBytes``.
    public var truncated: Bool

    /// Creates an event.
    public init(message: [UInt8], offset: Int64, lineCount: Int, truncated: Bool) {
        self.message = message
        self.offset = offset
        self.lineCount = lineCount
        self.truncated = truncated
    }
}
