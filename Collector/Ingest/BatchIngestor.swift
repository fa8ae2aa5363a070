import FaultlineCore
import Foundation
import Logging
import SQLKit

/// A batch as the collector received it, waiting to be stored.
public struct PendingBatch: Sendable {
    /// The validated batch.
    public var batch: Batch
    /// The client whose token sent it.
    public var client: AuthenticatedClient
    /// When the collector received it.
    public var receivedAt: WireTimestamp
    /// What the batch says about each fingerprint, worked out before it waits for the writer.
    let reports: [FingerprintReport]

    /// Creates a pending batch.
    public init(_ batch: Batch, from client: AuthenticatedClient, receivedAt: WireTimestamp) {
        self.batch = batch
        self.client = client
        self.receivedAt = receivedAt
        reports = FingerprintReport.reports(in: batch)
    }
}

/// Stores validated batches, several at a time, in one transaction: the batch ids (once), fingerprints and
/// groups (through the grouping stage, merges recorded), the hosts' last-seen times and health, hourly
/// occurrence buckets per group and host, the samples, and then whatever the hooks (the ticket engine) decide.
///
/// Batches stored together give the same state as the same batches stored one after the other, in order:
/// each table is written with one multi-row statement for all of them, rows of the same key added up first
/// (counts summed, first/last seen widened, the newest window's health kept, the newest samples kept).
///
/// The same `batch_id` a second time changes nothing and reports ``IngestOutcome/duplicate``: the batch
/// row's primary key decides, so two collectors receiving the same retry at once still count it once.
public struct BatchIngestor: Sendable {
    /// Where batches go.
    public let store: Store
    /// Run inside the transaction, after the batches are written, in order.
    public let hooks: [any IngestTransactionHook]
    /// The newest samples kept per fingerprint; older ones are deleted.
    public let samplesPerFingerprint: Int
    /// When each fingerprint's samples are due to be replaced by newer ones.
    let sampleSchedule: SampleSchedule

    /// Creates an ingestor; `sampleRefresh` is how long a fingerprint's samples stay before a batch replaces
    /// them with its own (zero: every batch does; see ``CollectorConfiguration/Server/sampleRefresh``).
    public init(
        store: Store, hooks: [any IngestTransactionHook] = [], samplesPerFingerprint: Int = 20,
        sampleRefresh: Duration = .zero
    ) {
        self.store = store
        self.hooks = hooks
        self.samplesPerFingerprint = samplesPerFingerprint
        sampleSchedule = SampleSchedule(interval: sampleRefresh)
    }

    /// Stores `batch`, sent with a token of `client` and received at `receivedAt`.
    ///
    /// Throws ``BatchRejection`` with ``BatchRejection/Reason/foreignBatch`` when the batch id was stored for
    /// another client, and the database's errors as they come.
    public func ingest(
        _ batch: Batch, from client: AuthenticatedClient, receivedAt: WireTimestamp
    ) async throws -> IngestOutcome {
        try await ingest([PendingBatch(batch, from: client, receivedAt: receivedAt)])[0].get()
    }

    /// Stores `pending` in one transaction, in order, and gives each batch's outcome in the same order.
    ///
    /// A batch whose id was stored for another client gets its ``BatchRejection`` and changes nothing; the
    /// others are stored. A database error (or a hook's) rolls all of them back and is thrown. Returns once
    /// the transaction is on disk, or once it committed when `waitingForDisk` is false: the caller then waits
    /// with ``Store/waitForDisk()`` before answering anyone.
    public func ingest(
        _ pending: [PendingBatch], waitingForDisk: Bool = true
    ) async throws -> [Result<IngestOutcome, BatchRejection>] {
        guard !pending.isEmpty else { return [] }
        let now = pending.map(\.receivedAt).max()!
        let afterCommit = AfterCommit()
        let (outcomes, placement, sampled) = try await store.withTransaction(waitingForDisk: waitingForDisk) {
            database in
            var outcomes = try await recordBatches(pending, in: database)
            let stored = pending.indices.filter { outcomes[$0] == nil }
            guard !stored.isEmpty else {
                return (outcomes, BatchGrouping.Placement(), [Fingerprint]())
            }
            let arrivals = stored.map { index in
                BatchGrouping.Arrival(
                    batchID: pending[index].batch.batchID, receivedAt: pending[index].receivedAt,
                    reports: pending[index].reports)
            }
            let placement = try await BatchGrouping(store: store, database: database).place(arrivals)
            let hostIDs = try await recordHosts(stored.map { pending[$0] }, in: database)
            var ingested: [IngestedBatch] = []
            for (index, arrival) in zip(stored, placement.arrivals) {
                let batch = pending[index]
                let hostID = hostIDs[HostKey(batch)]!
                ingested.append(
                    IngestedBatch(
                        batchID: batch.batch.batchID, client: batch.client, hostID: hostID,
                        hostName: batch.batch.agent.host, receivedAt: batch.receivedAt,
                        groups: Self.activity(arrival.reports, placement: placement),
                        merges: placement.merges[batch.batch.batchID] ?? []))
            }
            let reports = placement.arrivals.map(\.reports)
            try await addOccurrences(
                zip(reports, ingested.map(\.hostID)).map { $0 }, placement: placement, in: database)
            let sampled = try await addSamples(
                zip(reports, ingested).map { ($0, $1.hostID, $1.batchID) }, now: now, in: database)
            for hook in hooks {
                try await hook.batchesStored(ingested, in: database, engine: store.engine, afterCommit: afterCommit)
            }
            for (index, batch) in zip(stored, ingested) {
                outcomes[index] = .success(.stored(batch))
            }
            return (outcomes, placement, sampled)
        }
        for (source, revision, stage) in placement.stagesToCache {
            store.groupingCache.store(stage, for: source, revision: revision)
        }
        store.groupingCache.storeSources(placement.sources)
        sampleSchedule.written(sampled, at: now)
        afterCommit.run()
        return outcomes.map { $0! }
    }

    /// Inserts the batch rows. The outcome of each batch that must not be stored: duplicate (its id was
    /// stored before, or comes earlier in `pending`, for the same client) or refused (for another client);
    /// `nil` for the batches to store.
    private func recordBatches(
        _ pending: [PendingBatch], in database: any SQLDatabase
    ) async throws -> [Result<IngestOutcome, BatchRejection>?] {
        var outcomes = [Result<IngestOutcome, BatchRejection>?](repeating: nil, count: pending.count)
        var firstIndex: [String: Int] = [:]
        for (index, batch) in pending.enumerated() {
            if let first = firstIndex[batch.batch.batchID] {
                outcomes[index] = Self.repeated(batch, ownerID: pending[first].client.id)
            } else {
                firstIndex[batch.batch.batchID] = index
            }
        }
        var rows = JSONRows(
            ("batch_id", .text), ("client_id", .integer), ("host_name", .text), ("received_at", .integer),
            ("window_start", .integer), ("window_end", .integer), ("group_count", .integer),
            ("occurrence_count", .integer))
        for index in pending.indices where outcomes[index] == nil {
            let batch = pending[index]
            let occurrences = batch.batch.groups.reduce(0) { $0 + $1.count }
            // One report per fingerprint.
            let fingerprints = batch.reports.count
            rows.append([
                .text(batch.batch.batchID), .integer(batch.client.id), .text(batch.batch.agent.host),
                .integer(batch.receivedAt.microseconds), .integer(batch.batch.window.start.microseconds),
                .integer(batch.batch.window.end.microseconds), .integer(Int64(fingerprints)),
                .integer(Int64(occurrences)),
            ])
        }
        var inserted: Set<String> = []
        for row in try await database.raw(
            """
            INSERT INTO batches (batch_id, client_id, host_name, received_at, window_start, window_end,
                group_count, occurrence_count)
            SELECT batch_id, client_id, host_name, received_at, window_start, window_end, group_count,
                occurrence_count
            FROM \(rows.table(store.engine)) WHERE true
            ON CONFLICT (batch_id) DO NOTHING
            RETURNING batch_id
            """
        ).all() {
            inserted.insert(try row.decode(column: "batch_id", as: String.self))
        }
        let before = firstIndex.filter { !inserted.contains($0.key) }
        guard !before.isEmpty else { return outcomes }
        var owners: [String: Int64] = [:]
        for chunk in StatementChunks.of(Array(before.keys), parametersPerItem: 1) {
            for row in try await database.raw(
                "SELECT batch_id, client_id FROM batches WHERE batch_id IN (\(binds: Array(chunk)))"
            ).all() {
                owners[try row.decode(column: "batch_id", as: String.self)] =
                    try row.decode(column: "client_id", as: Int64.self)
            }
        }
        for (batchID, index) in before {
            outcomes[index] = Self.repeated(pending[index], ownerID: owners[batchID])
        }
        return outcomes
    }

    /// The outcome of a batch whose id was stored before for client `ownerID`.
    private static func repeated(_ batch: PendingBatch, ownerID: Int64?) -> Result<IngestOutcome, BatchRejection> {
        guard let ownerID, ownerID != batch.client.id else { return .success(.duplicate) }
        return .failure(
            BatchRejection(
                .foreignBatch,
                "batch_id: \"\(batch.batch.batchID)\" was stored for another client; agent ids must be unique"))
    }

    /// A host: a client's machine of that name.
    private struct HostKey: Hashable {
        var clientID: Int64
        var name: String

        init(clientID: Int64, name: String) {
            self.clientID = clientID
            self.name = name
        }

        init(_ batch: PendingBatch) {
            self.init(clientID: batch.client.id, name: batch.batch.agent.host)
        }
    }

    /// Creates or updates the batches' hosts: last seen at the latest arrival; health, agent version and boot
    /// id from the newest window; lost lines added up. Gives each host's id.
    private func recordHosts(_ batches: [PendingBatch], in database: any SQLDatabase) async throws -> [HostKey: Int64] {
        struct Host {
            var newest: PendingBatch
            var firstSeen: WireTimestamp
            var lastSeen: WireTimestamp
            var linesLost: Int
        }
        var hosts: [HostKey: Host] = [:]
        var order: [HostKey] = []
        for batch in batches {
            let key = HostKey(batch)
            guard var host = hosts[key] else {
                hosts[key] = Host(
                    newest: batch, firstSeen: batch.receivedAt, lastSeen: batch.receivedAt,
                    linesLost: batch.batch.health.linesLost)
                order.append(key)
                continue
            }
            // The later of equal windows wins, as it would stored one after the other.
            if batch.batch.window.end >= host.newest.batch.window.end { host.newest = batch }
            host.firstSeen = min(host.firstSeen, batch.receivedAt)
            host.lastSeen = max(host.lastSeen, batch.receivedAt)
            host.linesLost += batch.batch.health.linesLost
            hosts[key] = host
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var rows: [SQLQueryString] = []
        for key in order {
            let host = hosts[key]!
            let batch = host.newest.batch
            let health = String(decoding: try encoder.encode(batch.health), as: UTF8.self)
            rows.append(
                """
                (\(bind: key.clientID), \(bind: key.name), \(bind: batch.agent.id), \(bind: batch.agent.version),
                    \(bind: batch.agent.bootID), \(bind: host.firstSeen.microseconds),
                    \(bind: host.lastSeen.microseconds), \(bind: health), \(bind: batch.window.end.microseconds),
                    \(bind: Int64(host.linesLost)))
                """)
        }
        var ids: [HostKey: Int64] = [:]
        for chunk in StatementChunks.of(rows, parametersPerItem: 10) {
            for row in try await database.raw(
                """
                INSERT INTO hosts (client_id, name, agent_id, agent_version, boot_id, first_seen, last_seen, health,
                    health_window_end, lines_lost_total)
                VALUES \(chunk.joined(separator: ", "))
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
                RETURNING id, client_id, name
                """
            ).all() {
                let key = HostKey(
                    clientID: try row.decode(column: "client_id", as: Int64.self),
                    name: try row.decode(column: "name", as: String.self))
                ids[key] = try row.decode(column: "id", as: Int64.self)
            }
        }
        return ids
    }

    /// Adds each group's count to the bucket of the hour of its last occurrence in each batch, for the batch's
    /// host, and keeps the bucket's last occurrence: one row per bucket, whichever batches it comes from.
    private func addOccurrences(
        _ batches: [(reports: [FingerprintReport], hostID: Int64)], placement: BatchGrouping.Placement,
        in database: any SQLDatabase
    ) async throws {
        struct Bucket: Comparable {
            var group: GroupID
            var hostID: Int64
            var hourStart: Int64
            static func < (lhs: Bucket, rhs: Bucket) -> Bool {
                (lhs.group, lhs.hostID, lhs.hourStart) < (rhs.group, rhs.hostID, rhs.hourStart)
            }
        }
        // Sorted, then the counts of a bucket added up: no hashing per report. Sorted also so that two
        // collectors writing the same buckets take their row locks in the same order.
        var seen: [(bucket: Bucket, count: Int, lastSeen: WireTimestamp)] = []
        seen.reserveCapacity(batches.reduce(0) { $0 + $1.reports.count })
        for (reports, hostID) in batches {
            for report in reports {
                seen.append(
                    (
                        Bucket(
                            group: placement.groupOf[report.fingerprint]!, hostID: hostID,
                            hourStart: Self.hourStart(report.lastSeen)), report.count, report.lastSeen
                    ))
            }
        }
        seen.sort { $0.bucket < $1.bucket }
        var rows = JSONRows(
            ("group_id", .text), ("host_id", .integer), ("hour_start", .integer), ("count", .integer),
            ("last_seen", .integer))
        var index = seen.startIndex
        while index < seen.endIndex {
            var (bucket, count, lastSeen) = seen[index]
            index += 1
            while index < seen.endIndex, seen[index].bucket == bucket {
                count += seen[index].count
                lastSeen = max(lastSeen, seen[index].lastSeen)
                index += 1
            }
            rows.append([
                .text(bucket.group.description), .integer(bucket.hostID), .integer(bucket.hourStart),
                .integer(Int64(count)), .integer(lastSeen.microseconds),
            ])
        }
        guard !rows.isEmpty else { return }
        try await database.raw(
            """
            INSERT INTO occurrences (group_id, host_id, hour_start, count, last_seen)
            SELECT group_id, host_id, hour_start, count, last_seen FROM \(rows.table(store.engine)) WHERE true
            ON CONFLICT (group_id, host_id, hour_start) DO UPDATE SET
                count = occurrences.count + excluded.count,
                last_seen = CASE WHEN occurrences.last_seen >= excluded.last_seen THEN occurrences.last_seen
                    ELSE excluded.last_seen END
            """
        ).run()
    }

    /// Stores the samples of the fingerprints whose samples are due (see ``SampleSchedule``) and keeps only
    /// the newest ``samplesPerFingerprint`` of each fingerprint; gives the fingerprints whose samples it wrote.
    ///
    /// Of the samples that arrive together only the newest ``samplesPerFingerprint`` per fingerprint are
    /// inserted (the others would be deleted at once); then one delete removes the samples of these
    /// fingerprints that are no longer among their newest.
    private func addSamples(
        _ batches: [(reports: [FingerprintReport], hostID: Int64, batchID: String)], now: WireTimestamp,
        in database: any SQLDatabase
    ) async throws -> [Fingerprint] {
        struct Sample {
            var sample: Batch.Sample
            var hostID: Int64
            var batchID: String
        }
        var newest: [Fingerprint: [Sample]] = [:]
        var order: [Fingerprint] = []
        var notDue: Set<Fingerprint> = []
        for (reports, hostID, batchID) in batches {
            for report in reports where !report.samples.isEmpty && !notDue.contains(report.fingerprint) {
                if newest[report.fingerprint] == nil {
                    guard sampleSchedule.isDue(report.fingerprint, at: now) else {
                        notDue.insert(report.fingerprint)
                        continue
                    }
                    order.append(report.fingerprint)
                }
                newest[report.fingerprint, default: []].append(
                    contentsOf: report.samples.suffix(samplesPerFingerprint).map {
                        Sample(sample: $0, hostID: hostID, batchID: batchID)
                    })
                if newest[report.fingerprint]!.count > 2 * samplesPerFingerprint {
                    newest[report.fingerprint]!.removeFirst(newest[report.fingerprint]!.count - samplesPerFingerprint)
                }
            }
        }
        // Each fingerprint's samples in order of arrival: `id` order is what "newest" means.
        var rows = JSONRows(
            ("fingerprint", .text), ("host_id", .integer), ("logged_at", .integer), ("text", .text),
            ("cursor", .text), ("position", .text), ("batch_id", .text))
        for fingerprint in order {
            for sample in newest[fingerprint]!.suffix(samplesPerFingerprint) {
                rows.append([
                    .text(fingerprint.description), .integer(sample.hostID), .integer(sample.sample.time.microseconds),
                    .text(sample.sample.text), .text(sample.sample.cursor), .text(sample.sample.position),
                    .text(sample.batchID),
                ])
            }
        }
        guard !rows.isEmpty else { return [] }
        try await database.raw(
            """
            INSERT INTO samples (fingerprint, host_id, logged_at, text, cursor, position, batch_id)
            SELECT fingerprint, host_id, logged_at, text, cursor, position, batch_id FROM \(rows.table(store.engine))
            """
        ).run()
        for chunk in StatementChunks.of(order.map(\.description), parametersPerItem: 1) {
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
        return order
    }

    /// An hour, the span of an occurrence bucket, in microseconds.
    static let hour: Int64 = 3_600_000_000

    /// The start of the UTC hour holding `time`, in microseconds.
    static func hourStart(_ time: WireTimestamp) -> Int64 {
        let floored = time.microseconds >= 0 ? time.microseconds / hour : (time.microseconds - hour + 1) / hour
        return floored * hour
    }

    /// Each group's activity in a batch: its fingerprints' reports added up, in order of group.
    private static func activity(
        _ reports: [FingerprintReport], placement: BatchGrouping.Placement
    ) -> [IngestedBatch.GroupActivity] {
        // Sorted, then a group's reports added up: no hashing per report.
        let sorted = reports.map { report in
            IngestedBatch.GroupActivity(
                group: placement.groupOf[report.fingerprint]!, count: report.count, firstSeen: report.firstSeen,
                lastSeen: report.lastSeen, isNew: false)
        }.sorted { $0.group < $1.group }
        var activities: [IngestedBatch.GroupActivity] = []
        for activity in sorted {
            if let last = activities.indices.last, activities[last].group == activity.group {
                activities[last].count += activity.count
                activities[last].firstSeen = min(activities[last].firstSeen, activity.firstSeen)
                activities[last].lastSeen = max(activities[last].lastSeen, activity.lastSeen)
            } else {
                var activity = activity
                activity.isNew = placement.newGroups.contains(activity.group)
                activities.append(activity)
            }
        }
        return activities
    }
}
