/// A small seeded generator (SplitMix64), so that a failing random schedule can be replayed from its seed.
struct SeededRandomNumberGenerator: RandomNumberGenerator {
    /// The seed, for failure messages.
    let seed: UInt64
    private var state: UInt64

    /// A generator seeded with `seed`, or with a random seed.
    init(seed: UInt64 = UInt64.random(in: 0...UInt64.max)) {
        self.seed = seed
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
