/// The durable position of one source, saved in the spool in the same transaction as the batch that covers
/// everything before it.
///
/// `key` names the source instance (`journald`, or `file:<device>:<inode>:<head hash>` for a file);
/// `state` is the source's own encoding of its position (a cursor, an offset with the hash of the bytes
/// before it, ...), opaque to the spool.
public struct SourceCheckpoint: Sendable, Hashable {
    /// Stable name of the source instance.
    public var key: String
    /// The position, encoded by the source.
    public var state: String

    /// Creates a checkpoint.
    public init(key: String, state: String) {
        self.key = key
        self.state = state
    }
}
