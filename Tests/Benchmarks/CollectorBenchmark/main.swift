// faultline-collector-bench: the load generator and the INSERT baseline of `make bench-collector`.
//
// Usage:
//   faultline-collector-bench load --port PORT --tokens FILE [--host 127.0.0.1] [--groups 50]
//       [--warm-up SECONDS] [--seconds SECONDS]
//   faultline-collector-bench baseline --database URL [--connections N] [--groups 50] [--seconds SECONDS]
//   faultline-collector-bench decode [--groups 50] [--seconds SECONDS]
//   faultline-collector-bench ingest [--groups 50] [--clients 50] [--per-transaction 24]
//       [--warm-up SECONDS] [--seconds SECONDS]
//
// `load` runs one client per line of FILE (an agent token each), every client on its own keep-alive connection,
// POSTing v1 batches (gzip, a new batch_id each) back to back; `baseline` runs a plain INSERT loop of the same
// rows (see InsertBaseline.swift); `decode` times what a request costs before the writer, beside JSONDecoder
// (see DecodeBenchmark.swift); `ingest` times the writer's transactions on SQLite, without HTTP (see
// IngestBenchmark.swift). Each prints one JSON object; Tests/Benchmarks/bench_collector.py runs them.

import FaultlineCollector
import FaultlineCore
import Foundation

/// The value after `--name`, or `fallback`.
func option(_ name: String, _ fallback: String? = nil) -> String {
    let arguments = CommandLine.arguments
    if let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count {
        return arguments[index + 1]
    }
    guard let fallback else {
        FileHandle.standardError.write(Data("faultline-collector-bench: --\(name) is required\n".utf8))
        exit(2)
    }
    return fallback
}

/// Prints `report` as one line of JSON.
func printJSON(_ report: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

let fleet = BenchFleet(groupsPerBatch: Int(option("groups", "50"))!)
switch CommandLine.arguments.dropFirst().first {
case "load":
    let tokens = try String(contentsOfFile: option("tokens"), encoding: .utf8)
        .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    // A body built the cheap way must be the batch it claims to be.
    let sample = fleet.batch(host: "check", agentID: "check", variant: 0, now: .now())
    let body = try GzipBodyTemplate(sample).body(batchID: "check:1", allocator: .init())
    let decoded = try JSONDecoder().decode(
        Batch.self, from: Data(try Gzip.decompress(Array(body.readableBytesView), maximumSize: 64 << 20)))
    precondition(
        decoded.batchID == "check:1" && decoded.agent == sample.agent
            && decoded.groups.map(\.fingerprint) == sample.groups.map(\.fingerprint)
            && decoded.groups.map(\.samples.count) == sample.groups.map(\.samples.count),
        "the precompressed body does not decode to its batch")

    let generator = LoadGenerator(
        host: option("host", "127.0.0.1"), port: Int(option("port"))!, tokens: tokens, fleet: fleet,
        warmUpSeconds: Double(option("warm-up", "3"))!, seconds: Double(option("seconds", "10"))!)
    try printJSON(try generator.run())
case "baseline":
    let baseline = InsertBaseline(
        url: try DatabaseURL(option("database")), connections: Int(option("connections", "1"))!, fleet: fleet,
        seconds: Double(option("seconds", "10"))!)
    try printJSON(try await baseline.run())
case "decode":
    try printJSON(try DecodeBenchmark(fleet: fleet, seconds: Double(option("seconds", "2"))!).run())
case "ingest":
    let benchmark = IngestBenchmark(
        fleet: fleet, warmUpSeconds: Double(option("warm-up", "20"))!, seconds: Double(option("seconds", "5"))!,
        clients: Int(option("clients", "50"))!,
        perTransaction: Int(option("per-transaction", "24"))!)
    try printJSON(try await benchmark.run())
default:
    FileHandle.standardError.write(
        Data("usage: faultline-collector-bench load|baseline|decode|ingest [options]\n".utf8))
    exit(2)
}
