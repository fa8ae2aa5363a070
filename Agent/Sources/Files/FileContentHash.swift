/// FNV-1a, 64-bit, over a file's bytes: the hash of a file's first bytes (its identity besides the inode)
/// and of the bytes just before a checkpointed offset. Stable across processes and hosts, unlike `Hasher`.
enum FileContentHash {
    /// The hash of `bytes`.
    static func of(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// 16 lower-case hex digits.
    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
