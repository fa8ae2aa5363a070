import Crypto
import FaultlineCore
import SQLKit

/// Places the fingerprints of batches stored together in groups inside the ingest transaction, and writes the
/// fingerprints, the groups and the merges that result.
///
/// The Core ``GroupingStage`` decides; this type gives it the right state. Sources never share a group, so
/// there is one stage per source identity. How several collectors stay consistent:
///
/// 1. The transaction locks the batches' sources, in sorted order (PostgreSQL: one advisory transaction lock
///    per source; SQLite: `BEGIN IMMEDIATE` already makes writers take turns). Two collectors never group
///    the same source at the same time.
/// 2. Under the lock it reads each source's `grouping_sources.revision`. A stage cached at that revision is
///    the database's state; otherwise the stage is rebuilt by replaying the source's fingerprints in order
///    of arrival (`fingerprints.id`), those a batch brought together added together, exactly as they were
///    added the first time, which gives the same groups and the same survivors.
/// 3. Each batch's new fingerprints are added, batch after batch; merges between groups the database already
///    had are recorded (`group_merges`), absorbed groups point to their survivor, their fingerprints and
///    hourly occurrences move to it. Groups founded and absorbed by batches stored together never reach the
///    database.
/// 4. The revision goes up with any new fingerprint; the stage is cached only once the transaction commits.
struct BatchGrouping {
    /// A batch to place.
    struct Arrival {
        var batchID: String
        var receivedAt: WireTimestamp
        var reports: [FingerprintReport]
    }

    /// The result of placing batches.
    struct Placement {
        /// The batches, each report with the source its fingerprint belongs to.
        var arrivals: [Arrival] = []
        /// The group of each fingerprint of the batches, after all of them.
        var groupOf: [Fingerprint: GroupID] = [:]
        /// Groups the batches created.
        var newGroups: Set<GroupID> = []
        /// Merges of groups the database had, as the stage decided them, by the batch that caused them.
        var merges: [String: [GroupMerge]] = [:]
        /// The stages to cache once the transaction commits.
        var stagesToCache: [(source: String, revision: Int64, stage: GroupingStage)] = []
        /// The source of each fingerprint of the batches, to cache once the transaction commits.
        var sources: [Fingerprint: String] = [:]
    }

    let store: Store
    let database: any SQLDatabase

    /// Places the batches' fingerprints, the batches taken in order.
    func place(_ arrivals: [Arrival]) async throws -> Placement {
        var placement = Placement()
        let stored: Set<Fingerprint>
        (placement.arrivals, stored) = try await withStoredSources(arrivals)
        let sources = Set(placement.arrivals.flatMap { $0.reports.map(\.sourceIdentity) }).sorted()
        try await lock(sources)
        let revisions = try await revisions(of: sources)
        // Each source's reports, batch by batch: every source sees every batch, at the same index.
        let none = placement.arrivals.map { Arrival(batchID: $0.batchID, receivedAt: $0.receivedAt, reports: []) }
        var bySource = Dictionary(uniqueKeysWithValues: sources.map { ($0, none) })
        for (index, arrival) in placement.arrivals.enumerated() {
            for report in arrival.reports {
                bySource[report.sourceIdentity]![index].reports.append(report)
            }
        }
        var rows = Rows()
        for source in sources {
            try await place(
                bySource[source]!, of: source, revision: revisions[source] ?? 0, into: &placement, rows: &rows)
        }
        // Groups first: a fingerprint refers to its group.
        if !rows.groups.isEmpty {
            try await database.raw(
                """
                INSERT INTO error_groups (id, source_identity, template, first_seen, last_seen, count, created_at)
                SELECT id, source_identity, template, first_seen, last_seen, count, created_at
                FROM \(rows.groups.table(store.engine)) WHERE true
                ON CONFLICT (id) DO UPDATE SET
                    count = error_groups.count + excluded.count,
                    first_seen = CASE WHEN excluded.first_seen < error_groups.first_seen
                        THEN excluded.first_seen ELSE error_groups.first_seen END,
                    last_seen = CASE WHEN excluded.last_seen > error_groups.last_seen
                        THEN excluded.last_seen ELSE error_groups.last_seen END,
                    template = excluded.template
                """
            ).run()
        }
        // Stored fingerprints only add to their counts and times; new ones are inserted whole, in the order
        // they were added to the stages: `id` is the replay order.
        var added = JSONRows(
            ("fingerprint", .text), ("algorithm", .integer), ("source_kind", .text), ("source_identity", .text),
            ("template", .text), ("severity", .text), ("group_id", .text), ("introduced_by_batch", .text),
            ("first_seen", .integer), ("last_seen", .integer), ("count", .integer))
        var counted = JSONRows(
            ("fingerprint", .text), ("first_seen", .integer), ("last_seen", .integer), ("count", .integer))
        for row in rows.fingerprints.enumerated().sorted(by: {
            ($0.element.arrival, $0.offset) < ($1.element.arrival, $1.offset)
        }).map(\.element) {
            if stored.contains(row.fingerprint) {
                counted.append([
                    .text(row.fingerprint.description), .integer(row.report.firstSeen.microseconds),
                    .integer(row.report.lastSeen.microseconds), .integer(Int64(row.report.count)),
                ])
            } else {
                added.append([
                    .text(row.fingerprint.description), .integer(Int64(row.report.algorithm)),
                    .text(row.report.sourceKind), .text(row.source), .text(row.report.template),
                    .text(row.report.severity), .text(row.group.description), .text(row.batchID),
                    .integer(row.report.firstSeen.microseconds), .integer(row.report.lastSeen.microseconds),
                    .integer(Int64(row.report.count)),
                ])
            }
        }
        if !counted.isEmpty {
            try await database.raw(
                """
                WITH seen AS (SELECT fingerprint, first_seen, last_seen, count FROM \(counted.table(store.engine)))
                UPDATE fingerprints SET
                    count = fingerprints.count + seen.count,
                    first_seen = CASE WHEN seen.first_seen < fingerprints.first_seen
                        THEN seen.first_seen ELSE fingerprints.first_seen END,
                    last_seen = CASE WHEN seen.last_seen > fingerprints.last_seen
                        THEN seen.last_seen ELSE fingerprints.last_seen END
                FROM seen WHERE fingerprints.fingerprint = seen.fingerprint
                """
            ).run()
        }
        if !added.isEmpty {
            try await database.raw(
                """
                INSERT INTO fingerprints (fingerprint, algorithm, source_kind, source_identity, template, severity,
                    group_id, introduced_by_batch, first_seen, last_seen, count)
                SELECT fingerprint, algorithm, source_kind, source_identity, template, severity, group_id,
                    introduced_by_batch, first_seen, last_seen, count
                FROM \(added.table(store.engine)) WHERE true
                ON CONFLICT (fingerprint) DO UPDATE SET
                    count = fingerprints.count + excluded.count,
                    first_seen = CASE WHEN excluded.first_seen < fingerprints.first_seen
                        THEN excluded.first_seen ELSE fingerprints.first_seen END,
                    last_seen = CASE WHEN excluded.last_seen > fingerprints.last_seen
                        THEN excluded.last_seen ELSE fingerprints.last_seen END
                """
            ).run()
        }
        return placement
    }

    /// The `error_groups` and `fingerprints` rows of the batches, written once every source is placed (one
    /// statement for the groups, one for the stored fingerprints, one for the new): one row per key, the
    /// batches' counts added up.
    private struct Rows {
        var groups = JSONRows(
            ("id", .text), ("source_identity", .text), ("template", .text), ("first_seen", .integer),
            ("last_seen", .integer), ("count", .integer), ("created_at", .integer))
        /// One per fingerprint, the batches' reports added up, with the index of the batch that brought it
        /// first, for writing them in order of arrival.
        var fingerprints:
            [(
                arrival: Int, fingerprint: Fingerprint, report: FingerprintReport, source: String, group: GroupID,
                batchID: String
            )] = []
    }

    /// The `grouping_sources.revision` of each source, read under the sources' locks; a source seen for the
    /// first time is added at revision 0.
    private func revisions(of sources: [String]) async throws -> [String: Int64] {
        guard !sources.isEmpty else { return [:] }
        // A source with a cached stage has its row: rows are never deleted, and stages are cached after commit.
        let rows = sources.filter { !store.groupingCache.hasStage(for: $0) }.map { source -> SQLQueryString in
            "(\(bind: source), 0)"
        }
        for chunk in StatementChunks.of(rows, parametersPerItem: 1) {
            try await database.raw(
                """
                INSERT INTO grouping_sources (source_identity, revision) VALUES \(chunk.joined(separator: ", "))
                ON CONFLICT (source_identity) DO NOTHING
                """
            ).run()
        }
        var revisions: [String: Int64] = [:]
        for chunk in StatementChunks.of(sources, parametersPerItem: 1) {
            for row in try await database.raw(
                """
                SELECT source_identity, revision FROM grouping_sources
                WHERE source_identity IN (\(binds: Array(chunk)))
                """
            ).all() {
                revisions[try row.decode(column: "source_identity", as: String.self)] =
                    try row.decode(column: "revision", as: Int64.self)
            }
        }
        return revisions
    }

    /// The batches, each report with the source its fingerprint was first stored under: a fingerprint belongs
    /// to one source forever, even if an agent later reports it under another name. A new fingerprint belongs
    /// to the source of its first report. Also gives the fingerprints that have a row.
    private func withStoredSources(_ arrivals: [Arrival]) async throws -> ([Arrival], Set<Fingerprint>) {
        let fingerprints = Set(arrivals.flatMap { $0.reports.map(\.fingerprint) })
        var sourceOf = store.groupingCache.sources(of: fingerprints)
        let unknown = fingerprints.filter { sourceOf[$0] == nil }.map(\.description)
        for chunk in StatementChunks.of(unknown, parametersPerItem: 1) {
            for row in try await database.raw(
                """
                SELECT fingerprint, source_identity FROM fingerprints
                WHERE fingerprint IN (\(binds: Array(chunk)))
                """
            ).all() {
                if let fingerprint = Fingerprint(hex: try row.decode(column: "fingerprint", as: String.self)) {
                    sourceOf[fingerprint] = try row.decode(column: "source_identity", as: String.self)
                }
            }
        }
        let stored = Set(sourceOf.keys)
        let placed = arrivals.map { arrival in
            var arrival = arrival
            for index in arrival.reports.indices {
                let fingerprint = arrival.reports[index].fingerprint
                if let source = sourceOf[fingerprint] {
                    arrival.reports[index].sourceIdentity = source
                } else {
                    sourceOf[fingerprint] = arrival.reports[index].sourceIdentity
                }
            }
            return arrival
        }
        return (placed, stored)
    }

    /// Takes the grouping lock of each source, in a fixed order so that two transactions cannot deadlock.
    private func lock(_ sources: [String]) async throws {
        guard store.engine == .postgresql else { return }
        // One round trip for all of them: a VALUES list is scanned in the order it is written.
        let keys = Set(sources.map(Self.lockKey)).sorted().map { key -> SQLQueryString in "(\(bind: key))" }
        for chunk in StatementChunks.of(keys, parametersPerItem: 1) {
            try await database.raw(
                "SELECT pg_advisory_xact_lock(key) FROM (VALUES \(chunk.joined(separator: ", "))) AS keys (key)"
            ).run()
        }
    }

    /// The advisory lock key of a source: the first 8 bytes of a SHA-256, the same in every collector.
    static func lockKey(_ source: String) -> Int64 {
        let digest = Array(SHA256.hash(data: Array("faultline.grouping:\(source)".utf8)))
        return digest.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    /// Places the reports of `source`, batch after batch, and adds the rows to write to `rows`.
    private func place(
        _ arrivals: [Arrival], of source: String, revision: Int64, into placement: inout Placement,
        rows: inout Rows
    ) async throws {
        let cached = store.groupingCache.stage(for: source, revision: revision)
        var stage: GroupingStage
        if let cached {
            stage = cached
        } else {
            stage = try await loadStage(of: source)
        }
        let groupsBefore = Set(stage.groupIDs)
        // One row per fingerprint, in order of first report: new fingerprints in the order they are added.
        var fingerprints: [Fingerprint: (report: FingerprintReport, batchID: String, arrival: Int)] = [:]
        var fingerprintOrder: [Fingerprint] = []
        var addedAny = false
        for (arrivalIndex, arrival) in arrivals.enumerated() where !arrival.reports.isEmpty {
            let newReports = arrival.reports.filter { stage.group(of: $0.fingerprint) == nil }
            addedAny = addedAny || !newReports.isEmpty
            // Only a stage that changes is written to: a write would copy the cached stage whole.
            let merges =
                newReports.isEmpty
                ? []
                : stage.add(
                    newReports.map {
                        GroupingStage.Entry(fingerprint: $0.fingerprint, template: $0.template, source: source)
                    })
            for merge in merges {
                let absorbed = merge.absorbed.filter(groupsBefore.contains)
                guard !absorbed.isEmpty else { continue }
                precondition(groupsBefore.contains(merge.survivor), "a merge's survivor is its oldest group")
                let recorded = GroupMerge(survivor: merge.survivor, absorbed: absorbed, template: merge.template)
                try await recordMerge(recorded, batchID: arrival.batchID, now: arrival.receivedAt)
                placement.merges[arrival.batchID, default: []].append(recorded)
            }
            for report in arrival.reports {
                if var seen = fingerprints[report.fingerprint] {
                    seen.report.count += report.count
                    seen.report.firstSeen = min(seen.report.firstSeen, report.firstSeen)
                    seen.report.lastSeen = max(seen.report.lastSeen, report.lastSeen)
                    fingerprints[report.fingerprint] = seen
                } else {
                    fingerprints[report.fingerprint] = (report, arrival.batchID, arrivalIndex)
                    fingerprintOrder.append(report.fingerprint)
                }
            }
        }

        let now = arrivals.map(\.receivedAt).max()!
        var activity: [GroupID: (count: Int, firstSeen: WireTimestamp, lastSeen: WireTimestamp)] = [:]
        for fingerprint in fingerprintOrder {
            let report = fingerprints[fingerprint]!.report
            let group = stage.group(of: fingerprint)!
            placement.groupOf[fingerprint] = group
            placement.sources[fingerprint] = source
            if let seen = activity[group] {
                activity[group] = (
                    seen.count + report.count, min(seen.firstSeen, report.firstSeen),
                    max(seen.lastSeen, report.lastSeen)
                )
            } else {
                activity[group] = (report.count, report.firstSeen, report.lastSeen)
            }
        }
        for (group, seen) in activity.sorted(by: { $0.key < $1.key }) {
            if !groupsBefore.contains(group) {
                placement.newGroups.insert(group)
            }
            rows.groups.append([
                .text(group.description), .text(source), .text(stage.template(of: group) ?? ""),
                .integer(seen.firstSeen.microseconds), .integer(seen.lastSeen.microseconds),
                .integer(Int64(seen.count)), .integer(now.microseconds),
            ])
        }
        for fingerprint in fingerprintOrder {
            let (report, batchID, arrival) = fingerprints[fingerprint]!
            rows.fingerprints.append(
                (arrival, fingerprint, report, source, placement.groupOf[fingerprint]!, batchID))
        }

        if addedAny {
            try await database.raw(
                "UPDATE grouping_sources SET revision = \(bind: revision + 1) WHERE source_identity = \(bind: source)"
            ).run()
            placement.stagesToCache.append((source, revision + 1, stage))
        } else if cached == nil {
            placement.stagesToCache.append((source, revision, stage))
        }
    }

    /// Rebuilds the stage of `source` from the database: its fingerprints in order of arrival, those of one
    /// batch added together.
    private func loadStage(of source: String) async throws -> GroupingStage {
        let rows = try await database.raw(
            """
            SELECT fingerprint, template, introduced_by_batch, group_id FROM fingerprints
            WHERE source_identity = \(bind: source) ORDER BY id
            """
        ).all()
        var stage = GroupingStage()
        var entries: [GroupingStage.Entry] = []
        var entriesBatch: String?
        var storedGroups: [(Fingerprint, String)] = []
        for row in rows {
            let text = try row.decode(column: "fingerprint", as: String.self)
            guard let fingerprint = Fingerprint(hex: text) else { continue }
            let batch = try row.decode(column: "introduced_by_batch", as: String.self)
            if batch != entriesBatch, !entries.isEmpty {
                stage.add(entries)
                entries.removeAll()
            }
            entriesBatch = batch
            entries.append(
                .init(
                    fingerprint: fingerprint, template: try row.decode(column: "template", as: String.self),
                    source: source)
            )
            storedGroups.append((fingerprint, try row.decode(column: "group_id", as: String.self)))
        }
        stage.add(entries)
        let disagreements = storedGroups.filter { stage.group(of: $0.0)?.description != $0.1 }
        if let first = disagreements.first {
            // The database stays the truth for the fingerprints it has; only new merges are decided anew.
            store.logger.error(
                "replaying the grouping stage gave other groups than the database holds",
                metadata: [
                    "grouping.source": "\(source)", "grouping.disagreements": "\(disagreements.count)",
                    "fingerprint": "\(first.0)",
                ])
        }
        return stage
    }

    /// Writes a merge: the survivor takes the absorbed groups' counts, fingerprints and hourly occurrences;
    /// each absorbed group (and any group it had absorbed before) points to the survivor.
    private func recordMerge(_ merge: GroupMerge, batchID: String, now: WireTimestamp) async throws {
        let survivor = merge.survivor.description
        let absorbed = merge.absorbed.map(\.description)
        let totals = try await database.raw(
            """
            SELECT CAST(SUM(count) AS BIGINT) AS count, MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen
            FROM error_groups WHERE id IN (\(binds: absorbed))
            """
        ).first()!
        let count = try totals.decode(column: "count", as: Int64.self)
        let firstSeen = try totals.decode(column: "first_seen", as: Int64.self)
        let lastSeen = try totals.decode(column: "last_seen", as: Int64.self)
        try await database.raw(
            """
            UPDATE error_groups SET
                count = count + \(bind: count),
                first_seen = CASE WHEN first_seen < \(bind: firstSeen) THEN first_seen ELSE \(bind: firstSeen) END,
                last_seen = CASE WHEN last_seen > \(bind: lastSeen) THEN last_seen ELSE \(bind: lastSeen) END,
                template = \(bind: merge.template)
            WHERE id = \(bind: survivor)
            """
        ).run()
        for group in absorbed {
            try await database.raw(
                """
                UPDATE error_groups SET merged_into = \(bind: survivor)
                WHERE id = \(bind: group) OR merged_into = \(bind: group)
                """
            ).run()
            try await database.raw(
                "UPDATE fingerprints SET group_id = \(bind: survivor) WHERE group_id = \(bind: group)"
            ).run()
            try await database.raw(
                """
                INSERT INTO occurrences (group_id, host_id, hour_start, count, last_seen)
                SELECT \(bind: survivor), host_id, hour_start, count, last_seen FROM occurrences
                WHERE group_id = \(bind: group)
                ON CONFLICT (group_id, host_id, hour_start) DO UPDATE SET
                    count = occurrences.count + excluded.count,
                    last_seen = CASE WHEN occurrences.last_seen >= excluded.last_seen THEN occurrences.last_seen
                        ELSE COALESCE(excluded.last_seen, occurrences.last_seen) END
                """
            ).run()
            try await database.raw("DELETE FROM occurrences WHERE group_id = \(bind: group)").run()
            try await database.raw(
                """
                INSERT INTO group_merges (survivor, absorbed, template, batch_id, merged_at)
                VALUES (\(bind: survivor), \(bind: group), \(bind: merge.template), \(bind: batchID),
                    \(bind: now.microseconds))
                """
            ).run()
        }
    }
}
