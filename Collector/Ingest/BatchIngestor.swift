import FaultlineCore
import Foundation
import Logging
import SQLKit

/// Stores a validated batch in one transaction: the batch id (once), fingerprints and groups (through the
/// grouping stage, merges recorded), the host's last-seen time and health, hourly occurrence buckets per
/// group and host, the samples, and then whatever the hooks (the ticket engine) decide.
///
/// The same `batch_id` a second time changes nothing and reports ``IngestOutcome/duplicate``: the batch
/// row's primary key decides, so two collectors receiving the same retry at once still count it once.
public struct BatchIngestor: Sendable {
    /// Where batches go.
    public let store: Store
    /// Run inside the transaction, after the batch is written, in order.
    public let hooks: [any IngestTransactionHook]
    /// The newest samples kept per fingerprint; older ones are deleted.
    public let samplesPerFingerprint: Int

    /// Creates an ingestor.
    public init(store: Store, hooks: [any IngestTransactionHook] = [], samplesPerFingerprint: Int = 20) {
        self.store = store
        self.hooks = hooks
        self.samplesPerFingerprint = samplesPerFingerprint
    }

    /// Stores `batch`, sent with a token of `client` and received at `receivedAt`.
    ///
    /// Throws ``BatchRejection`` with ``BatchRejection/Reason/foreignBatch`` when the batch id was stored for
    /// another client, and the database's errors as they come.
    public func ingest(
        _ batch: Batch, from client: AuthenticatedClient, receivedAt: WireTimestamp
    ) async throws -> IngestOutcome {
        let reports = FingerprintReport.reports(in: batch)
        let (outcome, stages) = try await store.withTransaction { database in
            guard try await recordBatch(batch, reports: reports, client: client, receivedAt: receivedAt, in: database)
            else {
                return (IngestOutcome.duplicate, [(source: String, revision: Int64, stage: GroupingStage)]())
            }
            let placement = try await BatchGrouping(store: store, database: database)
                .place(reports, batchID: batch.batchID, now: receivedAt)
            let hostID = try await recordHost(batch, client: client, receivedAt: receivedAt, in: database)
            try await addOccurrences(reports, placement: placement, hostID: hostID, in: database)
            try await addSamples(reports, hostID: hostID, batchID: batch.batchID, in: database)
            let ingested = IngestedBatch(
                batchID: batch.batchID, client: client, hostID: hostID, hostName: batch.agent.host,
                receivedAt: receivedAt, groups: Self.activity(reports, placement: placement), merges: placement.merges)
            for hook in hooks {
                try await hook.batchStored(ingested, in: database, engine: store.engine)
            }
            return (IngestOutcome.stored(ingested), placement.stagesToCache)
        }
        for (source, revision, stage) in stages {
            store.groupingCache.store(stage, for: source, revision: revision)
        }
        return outcome
    }

    /// Inserts the batch row; `false` when the batch id is there already.
    private func recordBatch(
        _ batch: Batch, reports: [FingerprintReport], client: AuthenticatedClient, receivedAt: WireTimestamp,
        in database: any SQLDatabase
    ) async throws -> Bool {
        let occurrences = reports.reduce(0) { $0 + $1.count }
        let inserted = try await database.raw(
            """
            INSERT INTO batches (batch_id, client_id, host_name, received_at, window_start, window_end,
                group_count, occurrence_count)
            VALUES (\(bind: batch.batchID), \(bind: client.id), \(bind: batch.agent.host),
                \(bind: receivedAt.microseconds), \(bind: batch.window.start.microseconds),
                \(bind: batch.window.end.microseconds), \(bind: Int64(reports.count)), \(bind: Int64(occurrences)))
            ON CONFLICT (batch_id) DO NOTHING
            RETURNING batch_id
            """
        ).first()
        if inserted != nil { return true }
        let owner = try await database.raw("SELECT client_id FROM batches WHERE batch_id = \(bind: batch.batchID)")
            .first()?.decode(column: "client_id", as: Int64.self)
        if let owner, owner != client.id {
            throw BatchRejection(
                .foreignBatch, "batch_id: \"\(batch.batchID)\" was stored for another client; agent ids must be unique")
        }
        return false
    }

    /// Creates or updates the host: last seen now; health, agent version and boot id from the newest window.
    private func recordHost(
        _ batch: Batch, client: AuthenticatedClient, receivedAt: WireTimestamp, in database: any SQLDatabase
    ) async throws -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let health = String(decoding: try encoder.encode(batch.health), as: UTF8.self)
        let row = try await database.raw(
            """
            INSERT INTO hosts (client_id, name, agent_id, agent_version, boot_id, first_seen, last_seen, health,
                health_window_end, lines_lost_total)
            VALUES (\(bind: client.id), \(bind: batch.agent.host), \(bind: batch.agent.id),
                \(bind: batch.agent.version),
                \(bind: batch.agent.bootID), \(bind: receivedAt.microseconds), \(bind: receivedAt.microseconds),
                \(bind: health), \(bind: batch.window.end.microseconds), \(bind: Int64(batch.health.linesLost)))
            ON CONFLICT (client_id, name) DO UPDATE SET
                last_seen = CASE WHEN excluded.last_seen > hosts.last_seen
                    THEN excluded.last_seen ELSE hosts.last_seen END,
                agent_id = CASE WHEN excluded.health_window_end >= hosts.health_window_end
                    THEN excluded.agent_id ELSE hosts.agent_id END,
                agent_version = CASE WHEN excluded.health_window_end >= hosts.health_window_end
                    THEN excluded.agent_version ELSE hosts.agent_version END,
                boot_id = CASE WHEN excluded.health_window_end >= hosts.health_window_end
                    THEN excluded.boot_id ELSE hosts.boot_id END,
                health = CASE WHEN excluded.health_window_end >= hosts.health_window_end
                    THEN excluded.health ELSE hosts.health END,
                health_window_end = CASE WHEN excluded.health_window_end >= hosts.health_window_end
                    THEN excluded.health_window_end ELSE hosts.health_window_end END,
                lines_lost_total = hosts.lines_lost_total + excluded.lines_lost_total
            RETURNING id
            """
        ).first()
        return try row!.decode(column: "id", as: Int64.self)
    }

    /// Adds each group's count to the bucket of the hour of its last occurrence in the batch, for this host.
    private func addOccurrences(
        _ reports: [FingerprintReport], placement: BatchGrouping.Placement, hostID: Int64, in database: any SQLDatabase
    ) async throws {
        struct Bucket: Hashable, Comparable {
            var group: GroupID
            var hourStart: Int64
            static func < (lhs: Bucket, rhs: Bucket) -> Bool { (lhs.group, lhs.hourStart) < (rhs.group, rhs.hourStart) }
        }
        var counts: [Bucket: Int] = [:]
        for report in reports {
            let bucket = Bucket(
                group: placement.groupOf[report.fingerprint]!, hourStart: Self.hourStart(report.lastSeen))
            counts[bucket, default: 0] += report.count
        }
        guard !counts.isEmpty else { return }
        // One statement for every bucket: a batch's buckets are distinct, so no row is upserted twice.
        let rows = counts.sorted(by: { $0.key < $1.key }).map { bucket, count -> SQLQueryString in
            "(\(bind: bucket.group.description), \(bind: hostID), \(bind: bucket.hourStart), \(bind: Int64(count)))"
        }
        for chunk in StatementChunks.of(rows, parametersPerItem: 4) {
            try await database.raw(
                """
                INSERT INTO occurrences (group_id, host_id, hour_start, count)
                VALUES \(chunk.joined(separator: ", "))
                ON CONFLICT (group_id, host_id, hour_start) DO UPDATE SET count = occurrences.count + excluded.count
                """
            ).run()
        }
    }

    /// Stores the samples and keeps only the newest ``samplesPerFingerprint`` of each fingerprint.
    ///
    /// Two statements whatever the batch holds: one insert of every sample, then one delete of the samples
    /// of the batch's fingerprints that are no longer among their newest.
    private func addSamples(
        _ reports: [FingerprintReport], hostID: Int64, batchID: String, in database: any SQLDatabase
    ) async throws {
        var rows: [SQLQueryString] = []
        var fingerprints: [String] = []
        for report in reports where !report.samples.isEmpty {
            let fingerprint = report.fingerprint.description
            fingerprints.append(fingerprint)
            for sample in report.samples.suffix(samplesPerFingerprint) {
                rows.append(
                    """
                    (\(bind: fingerprint), \(bind: hostID), \(bind: sample.time.microseconds), \(bind: sample.text),
                        \(bind: sample.cursor), \(bind: sample.position), \(bind: batchID))
                    """)
            }
        }
        for chunk in StatementChunks.of(rows, parametersPerItem: 7) {
            try await database.raw(
                """
                INSERT INTO samples (fingerprint, host_id, logged_at, text, cursor, position, batch_id)
                VALUES \(chunk.joined(separator: ", "))
                """
            ).run()
        }
        for chunk in StatementChunks.of(fingerprints, parametersPerItem: 1) {
            try await database.raw(
                """
                DELETE FROM samples WHERE id IN (
                    SELECT id FROM (
                        SELECT id, ROW_NUMBER() OVER (PARTITION BY fingerprint ORDER BY id DESC) AS newest
                        FROM samples WHERE fingerprint IN (\(binds: Array(chunk)))
                    ) ranked
                    WHERE newest > \(bind: Int64(samplesPerFingerprint)))
                """
            ).run()
        }
    }

    /// The start of the UTC hour holding `time`, in microseconds.
    static func hourStart(_ time: WireTimestamp) -> Int64 {
        let hour: Int64 = 3_600_000_000
        let floored = time.microseconds >= 0 ? time.microseconds / hour : (time.microseconds - hour + 1) / hour
        return floored * hour
    }

    private static func activity(
        _ reports: [FingerprintReport], placement: BatchGrouping.Placement
    ) -> [IngestedBatch.GroupActivity] {
        var byGroup: [GroupID: IngestedBatch.GroupActivity] = [:]
        for report in reports {
            let group = placement.groupOf[report.fingerprint]!
            if var activity = byGroup[group] {
                activity.count += report.count
                activity.firstSeen = min(activity.firstSeen, report.firstSeen)
                activity.lastSeen = max(activity.lastSeen, report.lastSeen)
                byGroup[group] = activity
            } else {
                byGroup[group] = IngestedBatch.GroupActivity(
                    group: group, count: report.count, firstSeen: report.firstSeen, lastSeen: report.lastSeen,
                    isNew: placement.newGroups.contains(group))
            }
        }
        return byGroup.values.sorted { $0.group < $1.group }
    }
}
