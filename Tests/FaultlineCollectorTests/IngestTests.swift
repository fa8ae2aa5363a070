import FaultlineCollector
import FaultlineCore
import SQLKit
import Synchronization
import Testing

extension DatabaseTests {
    @Suite struct IngestTests {
        /// A client with a token, as the HTTP layer would have authenticated it.
        static func client(in store: Store, named name: String = "acme") async throws -> AuthenticatedClient {
            _ = try await store.addClient(named: name, emails: ["ops@\(name).example"])
            let issued = try await store.issueToken(forClient: name)
            guard case .valid(let client) = try await store.checkToken(issued.token) else {
                throw TestDatabase.SetupError(description: "a fresh token does not authenticate")
            }
            return client
        }

        static let users = ["alice", "bob", "carol", "dave"]

        static func sessionClosed(_ user: String, count: Int = 1) -> Batch.Group {
            TestBatches.group("session closed for user \(user)", count: count)
        }

        @Test(arguments: DatabaseEngine.allCases)
        func storesEverythingABatchSays(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let store = test.store
                let client = try await Self.client(in: store)
                let batch = TestBatches.batch(
                    "1",
                    groups: [
                        TestBatches.group(
                            "connection to 10.0.0.7 refused after 3 retries", unit: "api.service", count: 42),
                        TestBatches.group("disk /dev/sda1 is full", unit: "backup.service", count: 2, samples: 2),
                    ], linesLost: 7)
                let outcome = try await BatchIngestor(store: store).ingest(
                    batch, from: client, receivedAt: TestBatches.time(10))
                guard case .stored(let ingested) = outcome else {
                    Issue.record("the batch was not stored: \(outcome)")
                    return
                }
                #expect(ingested.groups.count == 2)
                #expect(ingested.groups.allSatisfy { $0.isNew })
                #expect(ingested.merges.isEmpty)
                #expect(try await store.integer("SELECT COUNT(*) AS value FROM batches") == 1)
                #expect(try await store.totalCount(in: "fingerprints") == 44)
                #expect(try await store.totalCount(in: "error_groups") == 44)
                #expect(try await store.totalCount(in: "occurrences") == 44)
                #expect(try await store.integer("SELECT COUNT(*) AS value FROM samples") == 3)
                #expect(
                    try await store.strings("SELECT template AS value FROM error_groups ORDER BY template")
                        == ["connection to <ip> refused after <num> retries", "disk <path> is full"])
                #expect(
                    try await store.integer(
                        "SELECT hour_start AS value FROM occurrences GROUP BY hour_start", column: "value")
                        == TestBatches.tenOClock.microseconds)
                #expect(try await store.integer("SELECT lines_lost_total AS value FROM hosts") == 7)
                #expect(
                    try await store.integer("SELECT last_seen AS value FROM hosts") == TestBatches.time(10).microseconds
                )
                #expect(
                    try await store.strings("SELECT health AS value FROM hosts")
                        == [#"{"errors_seen":44,"lines_lost":7,"lines_read":100,"spool_bytes":0}"#])
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func countsADuplicateBatchOnce(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let store = test.store
                let client = try await Self.client(in: store)
                let ingestor = BatchIngestor(store: store)
                let batch = TestBatches.batch("1", groups: [Self.sessionClosed("alice", count: 5)], linesLost: 3)
                guard case .stored = try await ingestor.ingest(batch, from: client, receivedAt: TestBatches.time(10))
                else {
                    Issue.record("the first copy was not stored")
                    return
                }
                for _ in 0..<2 {
                    guard
                        case .duplicate = try await ingestor.ingest(
                            batch, from: client, receivedAt: TestBatches.time(20))
                    else {
                        Issue.record("a retry was stored again")
                        return
                    }
                }
                #expect(try await store.integer("SELECT COUNT(*) AS value FROM batches") == 1)
                #expect(try await store.totalCount(in: "fingerprints") == 5)
                #expect(try await store.totalCount(in: "error_groups") == 5)
                #expect(try await store.totalCount(in: "occurrences") == 5)
                #expect(try await store.integer("SELECT lines_lost_total AS value FROM hosts") == 3)
                #expect(
                    try await store.integer("SELECT last_seen AS value FROM hosts") == TestBatches.time(10).microseconds
                )
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func refusesABatchIDAnotherClientStored(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let acme = try await Self.client(in: test.store, named: "acme")
                let other = try await Self.client(in: test.store, named: "other")
                let ingestor = BatchIngestor(store: test.store)
                let batch = TestBatches.batch("1", groups: [Self.sessionClosed("alice")])
                _ = try await ingestor.ingest(batch, from: acme, receivedAt: TestBatches.time(10))
                await #expect {
                    try await ingestor.ingest(batch, from: other, receivedAt: TestBatches.time(10))
                } throws: { error in
                    (error as? BatchRejection)?.reason == .foreignBatch
                }
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func sumsOccurrencesPerGroupHostAndHour(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let store = test.store
                let client = try await Self.client(in: store)
                let ingestor = BatchIngestor(store: store)
                let message = "disk /dev/sda1 is full"
                let elevenOClock = TestBatches.time(3600)
                let batches = [
                    TestBatches.batch("1", groups: [TestBatches.group(message, count: 2, at: TestBatches.time(60))]),
                    TestBatches.batch("2", groups: [TestBatches.group(message, count: 3, at: TestBatches.time(1800))]),
                    TestBatches.batch("3", groups: [TestBatches.group(message, count: 4, at: elevenOClock)]),
                    TestBatches.batch("4", host: "web-2", groups: [TestBatches.group(message, count: 5)]),
                ]
                for batch in batches {
                    _ = try await ingestor.ingest(batch, from: client, receivedAt: TestBatches.time(7200))
                }
                let rows = try await store.withConnection { database in
                    try await database.raw(
                        """
                        SELECT h.name, o.hour_start, o.count FROM occurrences o JOIN hosts h ON h.id = o.host_id
                        ORDER BY h.name, o.hour_start
                        """
                    ).all().map {
                        "\(try $0.decode(column: "name", as: String.self)) "
                            + "\(WireTimestamp(microseconds: try $0.decode(column: "hour_start", as: Int64.self))) "
                            + "\(try $0.decode(column: "count", as: Int64.self))"
                    }
                }
                #expect(
                    rows == [
                        "web-1 2026-11-21T10:00:00.000000Z 5",
                        "web-1 2026-11-21T11:00:00.000000Z 4",
                        "web-2 2026-11-21T10:00:00.000000Z 5",
                    ])
                #expect(try await store.integer("SELECT count AS value FROM error_groups") == 14)
                #expect(try await store.integer("SELECT COUNT(*) AS value FROM error_groups") == 1)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func recordsAMergeWhenTheThirdUserNameArrives(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let store = test.store
                let client = try await Self.client(in: store)
                let ingestor = BatchIngestor(store: store)
                var merges: [GroupMerge] = []
                for (index, user) in Self.users.prefix(3).enumerated() {
                    let batch = TestBatches.batch("\(index)", groups: [Self.sessionClosed(user, count: index + 1)])
                    guard
                        case .stored(let ingested) = try await ingestor.ingest(
                            batch, from: client, receivedAt: TestBatches.time(10))
                    else { continue }
                    merges += ingested.merges
                }
                let alice = TestBatches.group("session closed for user alice").fingerprint
                let bob = TestBatches.group("session closed for user bob").fingerprint
                // Alice's group is the oldest, so it survives; Carol's fingerprint joined it, with no group
                // of its own.
                #expect(merges.map(\.survivor.description) == [alice])
                #expect(merges.map { $0.absorbed.map(\.description) } == [[bob]])
                #expect(merges.first?.template == "session closed for user <*>")
                #expect(try await store.strings("SELECT survivor AS value FROM group_merges") == [alice])
                #expect(try await store.strings("SELECT absorbed AS value FROM group_merges") == [bob])
                #expect(try await store.strings("SELECT DISTINCT group_id AS value FROM fingerprints") == [alice])
                #expect(
                    try await store.strings("SELECT merged_into AS value FROM error_groups WHERE id = \(bind: bob)")
                        == [alice])
                #expect(
                    try await store.strings("SELECT template AS value FROM error_groups WHERE merged_into IS NULL")
                        == ["session closed for user <*>"])
                #expect(
                    try await store.integer("SELECT count AS value FROM error_groups WHERE id = \(bind: alice)") == 6)
                #expect(try await store.strings("SELECT DISTINCT group_id AS value FROM occurrences") == [alice])
                #expect(try await store.totalCount(in: "occurrences") == 6)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func collectorsSharingADatabaseGroupAlike(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let client = try await Self.client(in: test.store)
                let first = BatchIngestor(store: test.store)
                let second = BatchIngestor(store: try await test.openAnotherStore())
                func send(_ ingestor: BatchIngestor, _ id: String, _ user: String) async throws -> IngestedBatch? {
                    let batch = TestBatches.batch(id, groups: [Self.sessionClosed(user)])
                    guard
                        case .stored(let ingested) = try await ingestor.ingest(
                            batch, from: client, receivedAt: TestBatches.time(10))
                    else { return nil }
                    return ingested
                }
                // The first collector caches the stage of two users; the second one sees the third user and must
                // rebuild the stage from the database to find the merge.
                _ = try await send(first, "1", "alice")
                _ = try await send(first, "2", "bob")
                let third = try await send(second, "3", "carol")
                #expect(third?.merges.count == 1)
                // The first collector's cache is now stale: it must notice and put Dave in the merged group.
                let fourth = try await send(first, "4", "dave")
                let alice = TestBatches.group("session closed for user alice").fingerprint
                #expect(fourth?.groups.map(\.group.description) == [alice])
                #expect(fourth?.merges.isEmpty == true)
                #expect(try await test.store.strings("SELECT DISTINCT group_id AS value FROM fingerprints") == [alice])
                #expect(try await test.store.integer("SELECT COUNT(*) AS value FROM group_merges") == 1)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func racingCollectorsCountOnce(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let client = try await Self.client(in: test.store)
                let stores = [test.store, try await test.openAnotherStore()]
                let ingestors = stores.map { BatchIngestor(store: $0) }
                // The same retry reaching both collectors, and distinct batches of the same new error.
                let retried = TestBatches.batch("retried", groups: [TestBatches.group("out of memory", count: 10)])
                let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                    for round in 0..<6 {
                        let ingestor = ingestors[round % 2]
                        group.addTask {
                            switch try await ingestor.ingest(retried, from: client, receivedAt: TestBatches.time(10)) {
                            case .stored: "stored"
                            case .duplicate: "duplicate"
                            }
                        }
                        group.addTask {
                            let batch = TestBatches.batch(
                                "distinct-\(round)", groups: [TestBatches.group("out of memory", count: 1)])
                            _ = try await ingestor.ingest(batch, from: client, receivedAt: TestBatches.time(10))
                            return "distinct"
                        }
                    }
                    return try await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
                }
                #expect(outcomes == ["stored": 1, "duplicate": 5, "distinct": 6])
                #expect(try await test.store.integer("SELECT COUNT(*) AS value FROM error_groups") == 1)
                #expect(try await test.store.integer("SELECT count AS value FROM error_groups") == 16)
                #expect(try await test.store.totalCount(in: "occurrences") == 16)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func keepsTheNewestHealthAndSamples(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let store = test.store
                let client = try await Self.client(in: store)
                let ingestor = BatchIngestor(store: store, samplesPerFingerprint: 3)
                let message = "disk /dev/sda1 is full"
                let newer = TestBatches.batch(
                    "2", groups: [TestBatches.group(message, samples: 2)], linesLost: 1, windowEnd: TestBatches.time(20)
                )
                let older = TestBatches.batch(
                    "1", groups: [TestBatches.group(message, samples: 2)], linesLost: 2, windowEnd: TestBatches.time(10)
                )
                var olderHealth = older
                olderHealth.health.spoolBytes = 999
                _ = try await ingestor.ingest(newer, from: client, receivedAt: TestBatches.time(30))
                _ = try await ingestor.ingest(olderHealth, from: client, receivedAt: TestBatches.time(40))
                #expect(try await store.integer("SELECT lines_lost_total AS value FROM hosts") == 3)
                #expect(
                    try await store.strings("SELECT health AS value FROM hosts").first?.contains("\"spool_bytes\":0")
                        == true)
                #expect(
                    try await store.integer("SELECT last_seen AS value FROM hosts") == TestBatches.time(40).microseconds
                )
                #expect(try await store.integer("SELECT COUNT(*) AS value FROM samples") == 3)
            }
        }

        /// A ticket engine stand-in that records what it saw, or fails.
        final class RecordingHook: IngestTransactionHook {
            let seen = Mutex<[IngestedBatch]>([])
            let fails: Bool

            init(fails: Bool) {
                self.fails = fails
            }

            func batchesStored(
                _ batches: [IngestedBatch], in database: any SQLDatabase, engine: DatabaseEngine,
                afterCommit: AfterCommit
            ) async throws {
                seen.withLock { $0.append(contentsOf: batches) }
                // Visible inside the transaction.
                let count = try await database.raw("SELECT COUNT(*) AS value FROM batches").first()!
                    .decode(column: "value", as: Int64.self)
                #expect(count >= 1)
                if fails { throw TestDatabase.SetupError(description: "the ticket engine failed") }
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func aFailingHookRollsTheBatchBack(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let client = try await Self.client(in: test.store)
                let failing = RecordingHook(fails: true)
                let batch = TestBatches.batch("1", groups: [Self.sessionClosed("alice", count: 2)])
                await #expect(throws: TestDatabase.SetupError.self) {
                    try await BatchIngestor(store: test.store, hooks: [failing])
                        .ingest(batch, from: client, receivedAt: TestBatches.time(10))
                }
                #expect(try await test.store.integer("SELECT COUNT(*) AS value FROM batches") == 0)
                #expect(try await test.store.integer("SELECT COUNT(*) AS value FROM fingerprints") == 0)
                // The retry goes through and is counted once.
                let working = RecordingHook(fails: false)
                let outcome = try await BatchIngestor(store: test.store, hooks: [working])
                    .ingest(batch, from: client, receivedAt: TestBatches.time(10))
                guard case .stored = outcome else {
                    Issue.record("the retry was not stored")
                    return
                }
                #expect(working.seen.withLock { $0.map(\.batchID) } == [batch.batchID])
                #expect(try await test.store.totalCount(in: "error_groups") == 2)
            }
        }
    }
}
