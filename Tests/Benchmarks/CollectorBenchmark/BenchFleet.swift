import FaultlineCore

/// The fleet the benchmark pretends to be: clients with a few hosts each, reporting errors out of a fixed
/// pool of error kinds, the way a real fleet repeats the same few hundred errors all day.
///
/// Everything is derived from a seed, so every run (and the baseline) sees the same batches. The pool has
/// `sources` journald units with `templatesPerSource` templates each; templates of one source differ in length,
/// so that the collector's grouping stage keeps them apart (one group, hence one ticket, per error kind).
struct BenchFleet {
    /// One error kind of the pool.
    struct ErrorKind {
        var fingerprint: String
        var template: String
        var unit: String
    }

    /// The error kinds every host draws from.
    let pool: [ErrorKind]
    /// Groups in each batch.
    let groupsPerBatch: Int
    /// Samples in each group.
    let samplesPerGroup: Int

    /// Creates the pool.
    init(sources: Int = 10, templatesPerSource: Int = 20, groupsPerBatch: Int, samplesPerGroup: Int = 2) {
        precondition(groupsPerBatch <= sources * templatesPerSource, "the pool is smaller than a batch")
        let words = [
            "request", "to", "upstream", "<ip>", "failed", "after", "<num>", "retries", "while", "reading",
            "response", "headers", "from", "backend", "pool", "<*>", "for", "tenant", "<*>", "in", "region",
            "<*>", "with", "status", "<num>", "and", "payload", "of", "<size>",
        ]
        var pool: [ErrorKind] = []
        for source in 0..<sources {
            let unit = "svc\(source).service"
            for kind in 0..<templatesPerSource {
                let template = "E\(source) " + words.prefix(3 + kind % words.count).joined(separator: " ")
                let hash = Self.mix(UInt64(source) << 32 | UInt64(kind))
                pool.append(ErrorKind(fingerprint: Self.hex(hash), template: template, unit: unit))
            }
        }
        self.pool = pool
        self.groupsPerBatch = groupsPerBatch
        self.samplesPerGroup = samplesPerGroup
    }

    /// The `variant`-th batch of `host`, without its batch id: `groupsPerBatch` distinct error kinds picked
    /// from the pool, times around `now`.
    func batch(host: String, agentID: String, variant: Int, now: WireTimestamp) -> Batch {
        var random = SplitMix(seed: Self.mix(UInt64(truncatingIfNeeded: host.hashValueStable) &+ UInt64(variant)))
        var indices = Array(pool.indices)
        for index in stride(from: indices.count - 1, to: 0, by: -1) {
            indices.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        let second: Int64 = 1_000_000
        let start = WireTimestamp(microseconds: now.microseconds - 5 * second)
        let groups = indices.prefix(groupsPerBatch).map { index in
            let kind = pool[index]
            let count = 1 + Int(random.next() % 20)
            let samples = (0..<samplesPerGroup).map { sample in
                Batch.Sample(
                    time: WireTimestamp(microseconds: start.microseconds + Int64(sample) * second),
                    text: "\(host) \(kind.unit): request to upstream 10.0.\(sample).\(index % 250) failed after "
                        + "\(count) retries while reading response headers from backend pool p\(index)",
                    cursor: "s=\(agentID);i=\(index * 10 + sample)")
            }
            return Batch.Group(
                fingerprint: kind.fingerprint, algorithm: 1, template: kind.template,
                source: Batch.Source(kind: "journald", unit: kind.unit, identifier: "svc"), severity: "err",
                count: count, firstSeen: start, lastSeen: now, samples: samples)
        }
        return Batch(
            batchID: "", agent: Batch.Agent(id: agentID, host: host, version: "0.1.0", bootID: "bench-boot"),
            window: Batch.Window(start: start, end: now), groups: groups,
            health: Batch.Health(linesRead: 10_000, errorsSeen: groups.reduce(0) { $0 + $1.count }))
    }

    /// 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// SplitMix64's finaliser: a good 64-bit hash of `value`.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// SplitMix64: a small seeded generator, so that the batches are the same in every run.
struct SplitMix {
    private var state: UInt64

    /// A generator starting at `seed`.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        return BenchFleet.mix(state)
    }
}

extension String {
    /// A hash of the UTF-8 bytes that is the same in every process (Swift's `hashValue` is seeded per process).
    var hashValueStable: UInt64 {
        utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
