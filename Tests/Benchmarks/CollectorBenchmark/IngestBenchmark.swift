import FaultlineCollector
import FaultlineCore
import Foundation
import Logging

/// The writer side of ingest on its own, without HTTP: what one transaction of batches costs the collector's
/// writer on SQLite, with the ticket engine, as `serve` runs it.
///
/// `clients` clients have one host each. Transactions of `perTransaction` batches (from as many different
/// hosts, in turn, as the queue gathers them under load) are stored back to back through ``BatchIngestor``,
/// for `warmUpSeconds` and then about `seconds`. The batches are built and their fingerprint reports worked out
/// before each transaction, outside the time measured. Each transaction returns once committed; the WAL is
/// synced once at the end, as the queue's answers are not part of the writer's turn.
///
/// Gives the wall time and the process's CPU time per transaction and per batch. Only the store's WAL
/// checkpoints run beside the writer, and their CPU time counts; the rest of the difference is time spent
/// waiting (thread hops, the disk).
struct IngestBenchmark {
    /// The batches' shape.
    let fleet: BenchFleet
    /// About how long the warm-up runs: until every client has met every ticket (emails sent), and every
    /// grouping stage is cached.
    let warmUpSeconds: Double
    /// About how long the measured part runs.
    let seconds: Double
    /// Clients, one host each.
    let clients: Int
    /// Batches per transaction.
    let perTransaction: Int

    /// Runs the transactions and returns the figures as JSON fields.
    func run() async throws -> [String: Any] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "faultline-ingest-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var logger = Logger(label: "faultline.bench")
        logger.logLevel = .warning
        let store = try await Store.open(
            .sqlite(path: directory.appendingPathComponent("collector.db").path), logger: logger)
        do {
            try await store.migrate()
            var senders: [AuthenticatedClient] = []
            for index in 0..<clients {
                let client = try await store.addClient(named: "client\(index)", emails: ["ops@client\(index).example"])
                senders.append(AuthenticatedClient(id: client.id, name: client.name, tokenID: 0))
            }
            let engine = TicketEngine(
                configuration: TicketConfiguration(), outbox: MailOutbox(sender: "faultline@bench.example"),
                logger: logger)
            let ingestor = BatchIngestor(store: store, hooks: [engine], sampleRefresh: .seconds(60))

            var sequence = 0
            /// The next transaction's batches, from the next `perTransaction` clients in turn.
            func nextTransaction() -> [PendingBatch] {
                let now = WireTimestamp.now()
                return (0..<perTransaction).map { _ in
                    let client = sequence % clients
                    var batch = fleet.batch(
                        host: "host\(client)", agentID: "agent\(client)", variant: sequence / clients, now: now)
                    batch.batchID = "agent\(client):\(sequence)"
                    sequence += 1
                    return PendingBatch(batch, from: senders[client], receivedAt: now)
                }
            }

            let clock = ContinuousClock()
            let warmUpEnd = clock.now + .nanoseconds(Int64(warmUpSeconds * 1e9))
            while clock.now < warmUpEnd {
                _ = try await ingestor.ingest(nextTransaction(), waitingForDisk: false)
            }
            var transactions = 0
            var wall = Duration.zero
            var cpu = 0.0
            let end = clock.now + .nanoseconds(Int64(seconds * 1e9))
            while clock.now < end {
                let pending = nextTransaction()
                let cpuBefore = processCPUSeconds()
                let started = clock.now
                let outcomes = try await ingestor.ingest(pending, waitingForDisk: false)
                wall += clock.now - started
                cpu += processCPUSeconds() - cpuBefore
                precondition(outcomes.allSatisfy { if case .success(.stored) = $0 { true } else { false } })
                transactions += 1
            }
            try await store.waitForDisk()
            try await store.shutdown()
            let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
            let batches = Double(transactions * perTransaction)
            return [
                "transactions": transactions,
                "batches_per_transaction": perTransaction,
                "wall_us_per_transaction": (wallSeconds / Double(transactions) * 1e6).rounded(),
                "cpu_us_per_transaction": (cpu / Double(transactions) * 1e6).rounded(),
                "wall_us_per_batch": (wallSeconds / batches * 1e6).rounded(),
                "cpu_us_per_batch": (cpu / batches * 1e6).rounded(),
                "batches_per_second": (batches / wallSeconds).rounded(),
            ]
        } catch {
            try? await store.shutdown()
            throw error
        }
    }
}
