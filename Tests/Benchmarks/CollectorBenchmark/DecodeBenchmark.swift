import FaultlineCollector
import FaultlineCore
import Foundation

/// The request side of ingest on one core, without HTTP or a database: what each batch costs the collector
/// before it waits for the writer, beside Foundation's `JSONDecoder` reading the same JSON in the same process.
///
/// Every step runs over the same bodies (one per host of a small fleet, as `load` sends them), round after round,
/// for about `seconds` each; the figures are nanoseconds per batch.
struct DecodeBenchmark {
    /// The fleet whose batches are decoded.
    let fleet: BenchFleet
    /// About how long each step runs.
    let seconds: Double

    /// Runs the steps and gives their figures.
    func run() throws -> [String: Any] {
        let now = WireTimestamp.now()
        var bodies: [[UInt8]] = []
        for host in 0..<16 {
            let batch = fleet.batch(host: "decode-\(host)", agentID: "decode-\(host)", variant: host, now: now)
            let body = try GzipBodyTemplate(batch).body(batchID: "decode-\(host):1", allocator: .init())
            bodies.append(Array(body.readableBytesView))
        }
        let maximumBytes = 64 << 20
        let jsons = try bodies.map { try Gzip.decompress($0, maximumSize: maximumBytes) }
        let decoder = BatchDecoder(maximumBytes: maximumBytes)
        let client = AuthenticatedClient(id: 1, name: "decode", tokenID: 1)

        let gunzip = measure(bodies) { body in
            _ = try Gzip.decompress(body, maximumSize: maximumBytes).count
        }
        let decode = measure(bodies) { body in
            _ = try decoder.decode(body, contentEncoding: "gzip", receivedAt: now).groups.count
        }
        let pending = measure(bodies) { body in
            let batch = try decoder.decode(body, contentEncoding: "gzip", receivedAt: now)
            _ = PendingBatch(batch, from: client, receivedAt: now).batch.groups.count
        }
        let foundation = measure(jsons) { json in
            _ = try JSONDecoder().decode(Batch.self, from: Data(json)).groups.count
        }
        return [
            "json_bytes": jsons.map(\.count).reduce(0, +) / jsons.count,
            "gzip_bytes": bodies.map(\.count).reduce(0, +) / bodies.count,
            "gunzip_ns": gunzip,
            "decode_ns": decode,
            "pending_ns": pending,
            "json_decoder_ns": foundation,
        ]
    }

    /// Nanoseconds per input of `body`, over rounds of all `inputs`, for about `seconds`.
    private func measure(_ inputs: [[UInt8]], _ body: ([UInt8]) throws -> Void) -> Double {
        let clock = ContinuousClock()
        // One round first, untimed: caches, lazily built metadata.
        for input in inputs { try! body(input) }
        var rounds = 0
        let start = clock.now
        let budget = Duration.milliseconds(Int(seconds * 1000))
        while clock.now - start < budget {
            for input in inputs { try! body(input) }
            rounds += 1
        }
        let elapsed = clock.now - start
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        return (nanoseconds / Double(rounds * inputs.count)).rounded()
    }
}
