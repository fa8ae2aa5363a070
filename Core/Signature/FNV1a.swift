/// FNV-1a, 64-bit: the fixed, documented hash behind every fingerprint.
///
/// Offset basis 0xcbf29ce484222325, prime 0x100000001b3 (Fowler, Noll, Vo). Unlike Swift's `Hasher`,
/// which is seeded per process, it gives the same value in every process, on every host, in every run.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { combine(byte) }
    }

    mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
        var hash = value
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        value = hash
    }
}
