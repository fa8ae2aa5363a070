import FaultlineCore
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Drives a collector with concurrent clients for a fixed time and reports rate and latency.
///
/// Every client has its own connection, token and hosts; the bodies are compressed before the clock starts
/// (``GzipBodyTemplate``), and all clients share one event-loop thread, so the generator takes as little as it
/// can of the cores it shares with the collector. Its own CPU time is reported beside the figures.
struct LoadGenerator {
    /// Where the collector listens.
    var host: String
    var port: Int
    /// One agent token per client.
    var tokens: [String]
    /// The batches' shape.
    var fleet: BenchFleet
    /// Hosts per client, and distinct batch contents per host.
    var hostsPerClient = 2
    var variantsPerHost = 2
    /// Seconds sent but not measured (the first batches create the groups and tickets), then measured.
    var warmUpSeconds: Double
    var seconds: Double

    /// Runs the load and returns its report as JSON fields.
    func run() throws -> [String: Any] {
        let now = WireTimestamp.now()
        let runID = String(now.microseconds, radix: 36)
        var clientTemplates: [[GzipBodyTemplate]] = []
        var clientAgents: [[String]] = []
        var bodyBytes = 0
        for client in tokens.indices {
            var templates: [GzipBodyTemplate] = []
            var agents: [String] = []
            for hostIndex in 0..<hostsPerClient {
                let hostName = "client\(client)-host\(hostIndex)"
                let agentID = "bench-\(runID)-\(client)-\(hostIndex)"
                for variant in 0..<variantsPerHost {
                    templates.append(
                        try GzipBodyTemplate(
                            fleet.batch(host: hostName, agentID: agentID, variant: variant, now: now)))
                    agents.append(agentID)
                }
            }
            bodyBytes += templates[0].body(batchID: "\(agents[0]):0", allocator: ByteBufferAllocator()).readableBytes
            clientTemplates.append(templates)
            clientAgents.append(agents)
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let cpuBefore = processCPUSeconds()
        let start = NIODeadline.now()
        let measureFrom = start + .nanoseconds(Int64(warmUpSeconds * 1e9))
        let measureUntil = measureFrom + .nanoseconds(Int64(seconds * 1e9))
        var handlers: [LoadConnection] = []
        var futures: [EventLoopFuture<Void>] = []
        for client in tokens.indices {
            let done = loop.makePromise(of: Void.self)
            let handler = LoadConnection(
                templates: clientTemplates[client], agentIDs: clientAgents[client], token: tokens[client],
                host: "\(host):\(port)", measureFrom: measureFrom, measureUntil: measureUntil, done: done)
            handlers.append(handler)
            futures.append(done.futureResult)
            ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: host, port: port)
                .whenFailure { error in
                    done.fail(error)
                }
        }
        try EventLoopFuture.andAllSucceed(futures, on: loop).wait()
        let cpu = processCPUSeconds() - cpuBefore
        let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        let connections = handlers
        let results = try loop.submit { connections.map(\.results) }.wait()

        var latencies = results.flatMap(\.latencies)
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let index = min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)
            return Double(latencies[max(0, index)]) / 1e6
        }
        var failures: [String: Int] = [:]
        for result in results {
            for (status, count) in result.failures {
                failures[status == 0 ? "connection" : "\(status)", default: 0] += count
            }
        }
        return [
            "clients": tokens.count,
            "groups_per_batch": fleet.groupsPerBatch,
            "samples_per_group": fleet.samplesPerGroup,
            "body_bytes": bodyBytes / max(1, tokens.count),
            "measured_seconds": seconds,
            "measured_batches": latencies.count,
            "batches_per_second": Double(latencies.count) / seconds,
            "p50_ms": percentile(0.50), "p99_ms": percentile(0.99), "max_ms": percentile(1.0),
            "sent": results.reduce(0) { $0 + $1.sent },
            "non_200": results.reduce(0) { $0 + $1.failures.values.reduce(0, +) },
            "non_200_by_status": failures,
            "failure_examples": Array(results.flatMap(\.failureBodies).prefix(3)),
            "generator_cpu_seconds": cpu,
            "generator_cpu_share": cpu / elapsed,
        ]
    }
}

/// User plus system CPU time of this process, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
