import FaultlineCollector
import FaultlineCore
import Logging
import SQLKit

/// The baseline the collector is measured against: a plain loop of INSERTs writing the rows one batch makes,
/// one transaction per batch, straight into a database with the collector's schema, through the same driver
/// and connection settings (``Store``), with no HTTP, no decoding, no grouping and no ticket engine.
///
/// Each batch inserts, one statement per row: its `batches` row, a `hosts` row, and per group an
/// `error_groups`, a `fingerprints` and an `occurrences` row plus its samples. Every key is new, so nothing
/// conflicts. `connections` loops run at once (SQLite has one writer, so one loop there).
struct InsertBaseline {
    /// The database, empty; migrated here.
    var url: DatabaseURL
    /// Loops writing at once.
    var connections: Int
    /// The batches' shape.
    var fleet: BenchFleet
    /// Seconds to run.
    var seconds: Double

    /// Runs the loop and returns its report as JSON fields.
    func run() async throws -> [String: Any] {
        var logger = Logger(label: "faultline.bench")
        logger.logLevel = .warning
        let store = try await Store.open(url, maximumConnections: max(connections, 1), logger: logger)
        do {
            try await store.migrate()
            let clientID = try await store.withTransaction { database in
                try await database.raw(
                    "INSERT INTO clients (name, created_at) VALUES ('baseline', 0) RETURNING id"
                ).first()!.decode(column: "id", as: Int64.self)
            }
            let batch = fleet.batch(host: "baseline-host", agentID: "baseline", variant: 0, now: .now())
            let rowsPerBatch = 2 + batch.groups.count * 3 + batch.groups.reduce(0) { $0 + $1.samples.count }
            let deadline = ContinuousClock.now + .nanoseconds(Int64(seconds * 1e9))
            let started = ContinuousClock.now
            let cpuBefore = processCPUSeconds()
            let batches = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for loop in 0..<connections {
                    tasks.addTask {
                        var written = 0
                        while ContinuousClock.now < deadline {
                            try await store.withTransaction { database in
                                try await insert(
                                    batch, key: UInt64(loop) << 40 | UInt64(written), clientID: clientID,
                                    in: database)
                            }
                            written += 1
                        }
                        return written
                    }
                }
                return try await tasks.reduce(0, +)
            }
            let elapsed = ContinuousClock.now - started
            let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let cpu = processCPUSeconds() - cpuBefore
            try await store.shutdown()
            return [
                "engine": url.engine.rawValue, "connections": connections, "rows_per_batch": rowsPerBatch,
                "batches": batches, "seconds": elapsedSeconds, "batches_per_second": Double(batches) / elapsedSeconds,
                "cpu_share": cpu / elapsedSeconds,
            ]
        } catch {
            try? await store.shutdown()
            throw error
        }
    }

    /// Inserts the rows of `batch`, with keys derived from `key` so that no two batches share one.
    private func insert(_ batch: Batch, key: UInt64, clientID: Int64, in database: any SQLDatabase) async throws {
        let batchID = "baseline:\(key)"
        let now = WireTimestamp.now().microseconds
        try await database.raw(
            """
            INSERT INTO batches (batch_id, client_id, host_name, received_at, window_start, window_end,
                group_count, occurrence_count)
            VALUES (\(bind: batchID), \(bind: clientID), \(bind: batch.agent.host), \(bind: now),
                \(bind: batch.window.start.microseconds), \(bind: batch.window.end.microseconds),
                \(bind: Int64(batch.groups.count)), \(bind: Int64(batch.groups.count)))
            """
        ).run()
        let hostID = try await database.raw(
            """
            INSERT INTO hosts (client_id, name, agent_id, agent_version, boot_id, first_seen, last_seen, health,
                health_window_end, lines_lost_total)
            VALUES (\(bind: clientID), \(bind: "host-\(key)"), \(bind: batch.agent.id), \(bind: batch.agent.version),
                \(bind: batch.agent.bootID), \(bind: now), \(bind: now), '{}', \(bind: batch.window.end.microseconds), 0)
            RETURNING id
            """
        ).first()!.decode(column: "id", as: Int64.self)
        for (index, group) in batch.groups.enumerated() {
            let fingerprint = BenchFleet.hex(BenchFleet.mix(key << 8 | UInt64(index)))
            let source = group.source.unit ?? ""
            try await database.raw(
                """
                INSERT INTO error_groups (id, source_identity, template, first_seen, last_seen, count, created_at)
                VALUES (\(bind: fingerprint), \(bind: source), \(bind: group.template),
                    \(bind: group.firstSeen.microseconds), \(bind: group.lastSeen.microseconds),
                    \(bind: Int64(group.count)), \(bind: now))
                """
            ).run()
            try await database.raw(
                """
                INSERT INTO fingerprints (fingerprint, algorithm, source_kind, source_identity, template, severity,
                    group_id, introduced_by_batch, first_seen, last_seen, count)
                VALUES (\(bind: fingerprint), 1, \(bind: group.source.kind), \(bind: source), \(bind: group.template),
                    \(bind: group.severity), \(bind: fingerprint), \(bind: batchID),
                    \(bind: group.firstSeen.microseconds), \(bind: group.lastSeen.microseconds),
                    \(bind: Int64(group.count)))
                """
            ).run()
            try await database.raw(
                """
                INSERT INTO occurrences (group_id, host_id, hour_start, count)
                VALUES (\(bind: fingerprint), \(bind: hostID), \(bind: group.lastSeen.microseconds / 3_600_000_000 * 3_600_000_000),
                    \(bind: Int64(group.count)))
                """
            ).run()
            for sample in group.samples {
                try await database.raw(
                    """
                    INSERT INTO samples (fingerprint, host_id, logged_at, text, cursor, position, batch_id)
                    VALUES (\(bind: fingerprint), \(bind: hostID), \(bind: sample.time.microseconds),
                        \(bind: sample.text), \(bind: sample.cursor), \(bind: sample.position), \(bind: batchID))
                    """
                ).run()
            }
        }
    }
}
