import FaultlineCore

/// How much the durable spool may hold: the `[spool]` section of `agent.toml`.
///
/// ```toml
/// [spool]
/// max_bytes = "64MiB"
/// ```
///
/// The spool lives in the agent's state directory. When it is full, reading pauses: the journal and
/// the log files are the buffer until the collector accepts batches again.
public struct SpoolSettings: Sendable, Hashable {
    /// The smallest spool accepted: smaller ones could not hold one full batch.
    public static let minimumBytes = 1 << 20

    /// The most bytes of batches the spool holds before reading pauses.
    public var maximumBytes = 64 << 20

    /// The defaults: 64 MiB.
    public init() {}

    /// Reads the `[spool]` table; every key is optional.
    init(from table: ConfigurationTable) throws(ConfigurationError) {
        maximumBytes = try table.byteSize("max_bytes", default: maximumBytes, minimum: Self.minimumBytes)
    }
}
