import FaultlineCollector
import FaultlineCore
import Foundation

/// Batches as an agent sends them, built from real log messages signed with the Core fingerprinter.
enum TestBatches {
    /// 2026-11-21T10:00:00Z.
    static let tenOClock = WireTimestamp(iso8601: "2026-11-21T10:00:00Z")!

    /// `time` plus `seconds`.
    static func time(_ seconds: Int64, after time: WireTimestamp = tenOClock) -> WireTimestamp {
        WireTimestamp(microseconds: time.microseconds + seconds * 1_000_000)
    }

    /// The report of `count` occurrences of `message` from the journald unit `unit` around `at`.
    static func group(
        _ message: String, unit: String = "sshd.service", count: Int = 1, at time: WireTimestamp = tenOClock,
        samples: Int = 1
    ) -> Batch.Group {
        let signature = Fingerprinter().sign(message, source: unit)
        return Batch.Group(
            fingerprint: signature.fingerprint.description,
            algorithm: signature.algorithm,
            template: signature.template,
            source: Batch.Source(
                kind: "journald", unit: unit, identifier: unit.replacingOccurrences(of: ".service", with: "")),
            severity: "err",
            count: count,
            firstSeen: time,
            lastSeen: TestBatches.time(1, after: time),
            samples: (0..<samples).map { index in
                Batch.Sample(
                    time: TestBatches.time(Int64(index), after: time), text: message, cursor: "s=abc;i=\(index)")
            }
        )
    }

    /// A batch from `host` holding `groups`.
    static func batch(
        _ id: String, host: String = "web-1", groups: [Batch.Group], linesLost: Int = 0,
        windowEnd: WireTimestamp = time(5)
    ) -> Batch {
        Batch(
            batchID: "0b7c3e1e-1111-4c5e-9d3a-5d6f7a8b9c0d:\(id)",
            agent: Batch.Agent(
                id: "0b7c3e1e-1111-4c5e-9d3a-5d6f7a8b9c0d", host: host, version: "0.1.0", bootID: "boot-1"),
            window: Batch.Window(start: tenOClock, end: windowEnd),
            groups: groups,
            health: Batch.Health(linesRead: 100, errorsSeen: groups.reduce(0) { $0 + $1.count }, linesLost: linesLost)
        )
    }

    /// The JSON an agent would send for `batch`.
    static func json(_ batch: Batch) throws -> [UInt8] {
        Array(try JSONEncoder().encode(batch))
    }
}
