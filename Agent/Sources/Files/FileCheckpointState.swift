/// The durable position of one tailed file, and its encoding as a ``SourceCheckpoint``.
///
/// Key: `file:<device>:<inode>:<head hash>`, where the head hash (16 hex digits, FNV-1a 64) covers the first
/// bytes the file had when it was first seen. It never changes while the file is tailed, so the spool
/// overwrites one row per file; a new file on a reused inode gets another key.
///
/// State: `1 <offset> <head length>:<head hash> <tail length>:<tail hash> <path>`, for example
/// `1 81920 256:9f2c4e1a7b3d5f60 256:0a1b2c3d4e5f6071 /var/log/app/app.log`:
///
/// - `1`: the version of this encoding;
/// - `offset`: the first byte not yet emitted as part of a complete event, where reading resumes;
/// - `head`: how many of the file's first bytes (at most 256) are hashed now, and their hash: a file on the
///   same inode whose first bytes differ is another file (the inode was reused);
/// - `tail`: how many bytes just before `offset` (at most 256) are hashed, and their hash: if they differ on
///   restart, the file was truncated or rewritten while the agent was stopped;
/// - `path`: the file's name when it was found by the globs (the rest of the line, spaces included); after
///   a rotation by rename the file is looked for by its inode next to it.
struct FileCheckpointState: Hashable, Sendable {
    /// Every file key starts with this.
    static let keyPrefix = "file:"

    /// The file's device and inode.
    var identity: FileIdentity
    /// The hash of the first bytes the file had when first seen, which only the key carries.
    var keyHeadHash: UInt64
    /// Where reading resumes.
    var offset: Int64
    /// How many of the file's first bytes `headHash` covers (at most 256).
    var headLength: Int
    /// The hash of the file's first `headLength` bytes.
    var headHash: UInt64
    /// How many bytes before `offset` `tailHash` covers (at most 256).
    var tailLength: Int
    /// The hash of the `tailLength` bytes before `offset`.
    var tailHash: UInt64
    /// The path the globs found the file at.
    var path: String

    /// Creates a state from its parts.
    init(
        identity: FileIdentity, keyHeadHash: UInt64, offset: Int64, headLength: Int, headHash: UInt64,
        tailLength: Int, tailHash: UInt64, path: String
    ) {
        self.identity = identity
        self.keyHeadHash = keyHeadHash
        self.offset = offset
        self.headLength = headLength
        self.headHash = headHash
        self.tailLength = tailLength
        self.tailHash = tailHash
        self.path = path
    }

    /// Decodes a checkpoint written by ``checkpoint``; `nil` if it is not a file checkpoint of this version.
    init?(_ checkpoint: SourceCheckpoint) {
        let keyParts = checkpoint.key.split(separator: ":", omittingEmptySubsequences: false)
        guard keyParts.count == 4, keyParts[0] == "file", let device = UInt64(keyParts[1]),
            let inode = UInt64(keyParts[2]), let keyHeadHash = UInt64(keyParts[3], radix: 16)
        else { return nil }
        let fields = checkpoint.state.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0] == "1", let offset = Int64(fields[1]), offset >= 0,
            let head = Self.lengthAndHash(fields[2]), let tail = Self.lengthAndHash(fields[3]), !fields[4].isEmpty
        else { return nil }
        self.init(
            identity: FileIdentity(device: device, inode: inode), keyHeadHash: keyHeadHash, offset: offset,
            headLength: head.length, headHash: head.hash, tailLength: tail.length, tailHash: tail.hash,
            path: String(fields[4]))
    }

    /// The key alone, for a file that has not been checkpointed yet.
    static func key(identity: FileIdentity, headHash: UInt64) -> String {
        "\(keyPrefix)\(identity.device):\(identity.inode):\(FileContentHash.hex(headHash))"
    }

    /// The encoded checkpoint.
    var checkpoint: SourceCheckpoint {
        let state =
            "1 \(offset) \(headLength):\(FileContentHash.hex(headHash)) "
            + "\(tailLength):\(FileContentHash.hex(tailHash)) \(path)"
        return SourceCheckpoint(key: Self.key(identity: identity, headHash: keyHeadHash), state: state)
    }

    private static func lengthAndHash(_ field: Substring) -> (length: Int, hash: UInt64)? {
        let parts = field.split(separator: ":")
        guard parts.count == 2, let length = Int(parts[0]), (0...256).contains(length),
            let hash = UInt64(parts[1], radix: 16)
        else { return nil }
        return (length, hash)
    }
}
