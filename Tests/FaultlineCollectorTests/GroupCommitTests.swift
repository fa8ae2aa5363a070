import FaultlineCollector
import FaultlineCore
import SQLKit
import Synchronization
import Testing

extension DatabaseTests {
    /// Batches stored together in one transaction (group commit) must leave the database as storing them one
    /// after the other does, and a batch that fails must not take the others down with it.
    @Suite struct GroupCommitTests {
        /// The collector's parts on one database: two clients and an ingestor with the ticket engine.
        struct Collector {
            let store: Store
            let acme: AuthenticatedClient
            let globex: AuthenticatedClient
            let ingestor: BatchIngestor

            init(_ store: Store) async throws {
                self.store = store
                acme = try await IngestTests.client(in: store, named: "acme")
                globex = try await IngestTests.client(in: store, named: "globex")
                let engine = TicketEngine(
                    configuration: TicketConfiguration(), outbox: MailOutbox(sender: "faultline@collector.example"),
                    logger: TestDatabase.logger)
                ingestor = BatchIngestor(store: store, hooks: [engine], samplesPerFingerprint: 2)
            }
        }

        /// A batch of `client`'s host `host`, made of `groups`, received `seconds` after ten o'clock.
        static func arrival(
            _ id: String, _ client: AuthenticatedClient, host: String, seconds: Int64, groups: [Batch.Group],
            linesLost: Int = 0
        ) -> PendingBatch {
            PendingBatch(
                TestBatches.batch(
                    id, host: host, groups: groups, linesLost: linesLost, windowEnd: TestBatches.time(seconds)),
                from: client, receivedAt: TestBatches.time(seconds + 1))
        }

        static func session(_ user: String, count: Int = 1, samples: Int = 2, at seconds: Int64) -> Batch.Group {
            TestBatches.group(
                "session closed for user \(user)", count: count, at: TestBatches.time(seconds), samples: samples)
        }

        static func disk(count: Int, at seconds: Int64) -> Batch.Group {
            TestBatches.group(
                "disk /dev/sda1 is full", unit: "backup.service", count: count, at: TestBatches.time(seconds),
                samples: 3)
        }

        static func refused(count: Int, at seconds: Int64) -> Batch.Group {
            TestBatches.group(
                "connection to 10.0.0.7 refused", unit: "api.service", count: count, at: TestBatches.time(seconds))
        }

        /// Everything the ingest path writes, as comparable text; columns that hold the time a statement ran
        /// (not a time a batch carries) are left out.
        static func contents(of store: Store) async throws -> [String: [String]] {
            let tables: [(name: String, columns: [String], order: String)] = [
                (
                    "batches",
                    ["batch_id", "client_id", "host_name", "received_at", "group_count", "occurrence_count"],
                    "batch_id"
                ),
                (
                    "fingerprints",
                    [
                        "fingerprint", "source_identity", "template", "severity", "group_id", "introduced_by_batch",
                        "first_seen", "last_seen", "count",
                    ], "id"
                ),
                ("error_groups", ["id", "template", "first_seen", "last_seen", "count", "merged_into"], "id"),
                ("group_merges", ["survivor", "absorbed", "template", "batch_id"], "id"),
                ("grouping_sources", ["source_identity", "revision"], "source_identity"),
                (
                    "occurrences", ["group_id", "host_id", "hour_start", "count", "last_seen"],
                    "group_id, host_id, hour_start"
                ),
                (
                    "hosts",
                    [
                        "id", "client_id", "name", "agent_id", "first_seen", "last_seen", "health", "health_window_end",
                        "lines_lost_total",
                    ], "id"
                ),
                ("samples", ["fingerprint", "host_id", "logged_at", "text", "cursor", "batch_id"], "fingerprint, id"),
                (
                    "tickets",
                    [
                        "id", "group_id", "status", "title", "priority", "category", "first_seen", "last_seen",
                        "occurrences",
                    ], "id"
                ),
                ("ticket_hosts", ["ticket_id", "host_id", "first_seen"], "ticket_id, host_id"),
                ("ticket_clients", ["ticket_id", "client_id"], "ticket_id, client_id"),
                ("outbox", ["ticket_id", "client_id", "kind", "recipients", "subject"], "ticket_id, client_id, kind"),
                ("ticket_history", ["ticket_id", "kind", "detail"], "ticket_id, kind, detail"),
            ]
            var contents: [String: [String]] = [:]
            for table in tables {
                let row = table.columns.map { "COALESCE(CAST(\($0) AS TEXT), 'NULL')" }.joined(separator: " || '|' || ")
                contents[table.name] = try await store.strings(
                    "SELECT \(unsafeRaw: row) AS value FROM \(unsafeRaw: table.name) ORDER BY \(unsafeRaw: table.order)"
                )
            }
            // A host's last time on a ticket is read from the ticket's buckets too, not from its row alone.
            for id in try await store.strings("SELECT CAST(id AS TEXT) AS value FROM tickets ORDER BY id") {
                contents["ticket \(id)'s hosts"] = try await store.ticketDetail(id: Int64(id)!)!.hosts.map {
                    "\($0.client)|\($0.name)|\($0.firstSeen.microseconds)|\($0.lastSeen.microseconds)"
                }
            }
            return contents
        }

        static func describe(_ outcomes: [Result<IngestOutcome, BatchRejection>]) -> [String] {
            outcomes.map { outcome in
                switch outcome {
                case .success(.stored(let batch)): "stored \(batch.groups.count) groups, \(batch.merges.count) merges"
                case .success(.duplicate): "duplicate"
                case .failure(let rejection): "refused: \(rejection.reason)"
                }
            }
        }

        /// Runs `body` with two collectors on two new databases of `engine`, for storing the same batches
        /// together (`first`) and in turn (`second`); both already hold alice's and bob's sessions, as two groups.
        static func withTwoCollectors(
            _ engine: DatabaseEngine, _ body: (_ first: Collector, _ second: Collector) async throws -> Void
        ) async throws {
            try await TestDatabase.with(engine) { together in
                try await TestDatabase.with(engine) { inTurn in
                    let first = try await Collector(together.store)
                    let second = try await Collector(inTurn.store)
                    #expect(first.acme == second.acme && first.globex == second.globex)
                    let before = Self.arrival(
                        "0", first.acme, host: "web-1", seconds: 0,
                        groups: [Self.session("alice", at: 0), Self.session("bob", at: 0)])
                    _ = try await first.ingestor.ingest([before])
                    _ = try await second.ingestor.ingest([before])
                    try await body(first, second)
                }
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func batchesStoredTogetherLeaveWhatStoringThemInTurnLeaves(engine: DatabaseEngine) async throws {
            try await Self.withTwoCollectors(engine) { first, second in
                let acme = first.acme
                let globex = first.globex
                let arrivals = [
                    Self.arrival(
                        "1", acme, host: "web-1", seconds: 10,
                        groups: [Self.session("alice", count: 2, at: 10), Self.disk(count: 3, at: 10)], linesLost: 1),
                    Self.arrival(
                        "2", acme, host: "web-2", seconds: 12,
                        groups: [Self.session("bob", at: 12), Self.disk(count: 1, at: 12)]),
                    Self.arrival(
                        "3", globex, host: "web-1", seconds: 15,
                        groups: [Self.session("alice", count: 4, at: 15), Self.refused(count: 2, at: 15)],
                        linesLost: 5),
                    // An older window of acme's web-1, arriving late: its health must not win.
                    Self.arrival(
                        "4", acme, host: "web-1", seconds: 8, groups: [Self.session("bob", at: 8)], linesLost: 2),
                    // Batch 1 again: a retry.
                    Self.arrival(
                        "1", acme, host: "web-1", seconds: 10,
                        groups: [Self.session("alice", count: 2, at: 10), Self.disk(count: 3, at: 10)]),
                    // Batch 2's id from another client.
                    Self.arrival("2", globex, host: "db-1", seconds: 16, groups: [Self.disk(count: 9, at: 16)]),
                    // Batch 0's id, stored before, from another client.
                    Self.arrival("0", globex, host: "db-1", seconds: 16, groups: [Self.disk(count: 9, at: 16)]),
                ]
                let outcomes = try await first.ingestor.ingest(arrivals)
                var oneByOne: [Result<IngestOutcome, BatchRejection>] = []
                for arrival in arrivals {
                    oneByOne += try await second.ingestor.ingest([arrival])
                }
                #expect(
                    Self.describe(outcomes) == [
                        "stored 2 groups, 0 merges", "stored 2 groups, 0 merges", "stored 2 groups, 0 merges",
                        "stored 1 groups, 0 merges", "duplicate", "refused: foreignBatch",
                        "refused: foreignBatch",
                    ])
                #expect(Self.describe(outcomes) == Self.describe(oneByOne))

                let expected = try await Self.contents(of: second.store)
                let actual = try await Self.contents(of: first.store)
                for table in expected.keys.sorted() {
                    #expect(actual[table] == expected[table], "table \(table)")
                }
                // The comparison is not empty: the batches made tickets, emails, samples to trim.
                #expect(expected["tickets"]?.count == 4)
                #expect(expected["outbox"]?.filter { $0.contains("|affected|") }.count == 1)
                #expect(expected["samples"]?.count == 7)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func aMergeAmongBatchesStoredTogetherCountsEverythingForTheSurvivor(engine: DatabaseEngine) async throws {
            try await Self.withTwoCollectors(engine) { first, second in
                let acme = first.acme
                // Bob's group gets an occurrence, then carol's session makes it one group with alice's.
                let arrivals = [
                    Self.arrival(
                        "1", acme, host: "web-2", seconds: 10, groups: [Self.session("bob", count: 2, at: 10)]),
                    Self.arrival(
                        "2", acme, host: "web-1", seconds: 12, groups: [Self.session("carol", count: 3, at: 12)]),
                    Self.arrival(
                        "3", acme, host: "web-2", seconds: 14, groups: [Self.session("bob", count: 4, at: 14)]),
                ]
                let outcomes = try await first.ingestor.ingest(arrivals)
                for arrival in arrivals {
                    _ = try await second.ingestor.ingest([arrival])
                }
                #expect(
                    Self.describe(outcomes) == [
                        "stored 1 groups, 0 merges", "stored 1 groups, 1 merges", "stored 1 groups, 0 merges",
                    ])
                // What survives is the same: one group with every occurrence, one open ticket with all hosts,
                // the merge recorded once, for the batch that caused it, and the absorbed group's ticket closed.
                for query: SQLQueryString in [
                    """
                    SELECT id || '|' || template || '|' || CAST(count AS TEXT) || '|' || CAST(last_seen AS TEXT)
                        AS value FROM error_groups WHERE merged_into IS NULL
                    """,
                    "SELECT group_id || '|' || CAST(SUM(count) AS TEXT) AS value FROM occurrences GROUP BY group_id",
                    "SELECT survivor || '|' || absorbed || '|' || batch_id AS value FROM group_merges",
                    "SELECT fingerprint || '|' || group_id AS value FROM fingerprints ORDER BY id",
                    "SELECT group_id || '|' || status AS value FROM tickets ORDER BY id",
                    """
                    SELECT CAST(t.id AS TEXT) || '|' || CAST(COUNT(*) AS TEXT) AS value FROM tickets t
                    JOIN ticket_hosts h ON h.ticket_id = t.id WHERE t.status = 'open' GROUP BY t.id
                    """,
                ] {
                    let expected = try await second.store.strings(query)
                    #expect(try await first.store.strings(query) == expected)
                    #expect(!expected.isEmpty)
                }
                let occurrences: SQLQueryString = "SELECT CAST(SUM(occurrences) AS BIGINT) AS value FROM tickets"
                #expect(try await first.store.integer(occurrences) == 11)
                #expect(try await second.store.integer(occurrences) == 11)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func hostileTextIsStoredAsSent(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let client = try await IngestTests.client(in: test.store)
                let hostile =
                    "quote \" backslash \\ newline \n tab \t escape \u{1b}[31m C1 \u{9b} emoji 🔥 ' ; DROP TABLE x; --"
                var group = TestBatches.group("session closed for user alice")
                group.samples = [
                    Batch.Sample(time: TestBatches.time(0), text: hostile, cursor: "s=1;\"i\"=2"),
                    Batch.Sample(time: TestBatches.time(1), text: "before\u{0}after", position: "/var/log/a b.log:10"),
                ]
                group.template = hostile
                _ = try await BatchIngestor(store: test.store).ingest(
                    TestBatches.batch("1", groups: [group]), from: client, receivedAt: TestBatches.time(10))
                #expect(
                    try await test.store.strings("SELECT text AS value FROM samples ORDER BY id")
                        == [hostile, "before\u{FFFD}after"])
                #expect(
                    try await test.store.strings("SELECT cursor AS value FROM samples WHERE cursor IS NOT NULL") == [
                        "s=1;\"i\"=2"
                    ])
                #expect(
                    try await test.store.strings("SELECT position AS value FROM samples WHERE position IS NOT NULL")
                        == ["/var/log/a b.log:10"])
                #expect(try await test.store.strings("SELECT template AS value FROM fingerprints") == [hostile])
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func aBusyErrorsSamplesAreRefreshedOncePerInterval(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let client = try await IngestTests.client(in: test.store)
                let ingestor = BatchIngestor(store: test.store, samplesPerFingerprint: 3, sampleRefresh: .seconds(60))
                func send(_ id: String, at seconds: Int64, _ groups: [Batch.Group]) async throws {
                    _ = try await ingestor.ingest(
                        [Self.arrival(id, client, host: "web-1", seconds: seconds, groups: groups)])
                }
                func samples() async throws -> [String] {
                    try await test.store.strings(
                        "SELECT batch_id || ' ' || fingerprint AS value FROM samples ORDER BY id")
                }
                let alice = Self.session("alice", samples: 2, at: 0)
                let disk = Self.disk(count: 1, at: 0)
                try await send("1", at: 10, [alice])
                // Within the minute: alice's samples stay; the disk error is new, so its samples are stored.
                try await send("2", at: 30, [alice, disk])
                try await send("3", at: 69, [alice, disk])
                // A minute after alice's were written, newer ones replace them (the newest 3 kept).
                try await send("4", at: 70, [alice])
                let id = TestBatches.batch("", groups: []).batchID
                #expect(
                    try await samples().filter { $0.hasSuffix(disk.fingerprint) }
                        == Array(repeating: "\(id)2 \(disk.fingerprint)", count: 3))
                #expect(
                    try await samples().filter { $0.hasSuffix(alice.fingerprint) }
                        == [
                            "\(id)1 \(alice.fingerprint)", "\(id)4 \(alice.fingerprint)", "\(id)4 \(alice.fingerprint)",
                        ])
                // The counts are never sampled: every batch counted.
                #expect(
                    try await test.store.integer(
                        "SELECT count AS value FROM fingerprints WHERE fingerprint = \(bind: alice.fingerprint)") == 4)
            }
        }

        /// A hook that fails every transaction holding a batch whose id ends in `poison`, and holds its first
        /// transaction until told to go on.
        final class GatedHook: IngestTransactionHook {
            let poison: String
            let entered = Mutex(false)
            let open = Mutex(false)
            let transactions = Mutex<[[String]]>([])

            init(poison: String) {
                self.poison = poison
            }

            func batchesStored(
                _ batches: [IngestedBatch], in database: any SQLDatabase, engine: DatabaseEngine,
                afterCommit: AfterCommit
            ) async throws {
                entered.withLock { $0 = true }
                while !open.withLock({ $0 }) {
                    try await Task.sleep(for: .milliseconds(5))
                }
                transactions.withLock { $0.append(batches.map(\.batchID)) }
                if batches.contains(where: { $0.batchID.hasSuffix(poison) }) {
                    throw TestDatabase.SetupError(description: "the hook refused \(poison)")
                }
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func aFailingBatchFailsAloneAndTheOthersShareATransaction(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let client = try await IngestTests.client(in: test.store)
                let hook = GatedHook(poison: ":poison")
                let queue = IngestQueue(ingestor: BatchIngestor(store: test.store, hooks: [hook]), maximumBatches: 64)
                let ids = ["first"] + (1...30).map { "\($0)" } + ["poison"]
                let outcomes = try await Self.sendWhileTheFirstIsHeld(ids, through: queue, hook: hook, client: client)
                #expect(outcomes["poison"] == "error")
                #expect(ids.dropLast().allSatisfy { outcomes[$0] == "stored" })
                #expect(try await test.store.integer("SELECT COUNT(*) AS value FROM batches") == Int64(ids.count - 1))
                #expect(try await test.store.totalCount(in: "error_groups") == Int64(ids.count - 1))
                // The first transaction, then one of all the others (refused for the poison), then each alone.
                let transactions = hook.transactions.withLock { $0 }
                #expect(transactions.first?.count == 1)
                #expect(transactions.dropFirst().first?.count == ids.count - 1)
                #expect(transactions.dropFirst(2).allSatisfy { $0.count == 1 })
                #expect(transactions.count == 2 + ids.count - 1)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func whenEveryBatchFailsTheQueueStopsRetryingAfterTwo(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let client = try await IngestTests.client(in: test.store)
                // Every transaction fails (every batch id ends in ""), as when the database is down.
                let hook = GatedHook(poison: "")
                let queue = IngestQueue(ingestor: BatchIngestor(store: test.store, hooks: [hook]), maximumBatches: 64)
                let ids = (0...20).map { "\($0)" }
                let outcomes = try await Self.sendWhileTheFirstIsHeld(ids, through: queue, hook: hook, client: client)
                #expect(ids.allSatisfy { outcomes[$0] == "error" })
                // The first batch alone, the 20 others together, then two of them alone: not 20 more tries.
                #expect(hook.transactions.withLock { $0.map(\.count) } == [1, ids.count - 1, 1, 1])
                #expect(try await test.store.integer("SELECT COUNT(*) AS value FROM batches") == 0)
            }
        }

        /// Sends the batches `ids` through `queue`: the first alone, held inside its transaction by `hook`
        /// until all the others wait behind it. Gives each batch's outcome: stored, duplicate or error.
        static func sendWhileTheFirstIsHeld(
            _ ids: [String], through queue: IngestQueue, hook: GatedHook, client: AuthenticatedClient
        ) async throws -> [String: String] {
            try await withThrowingTaskGroup(of: (String, String).self) { tasks in
                tasks.addTask { try await Self.send(ids[0], through: queue, client: client) }
                while !hook.entered.withLock({ $0 }) {
                    try await Task.sleep(for: .milliseconds(5))
                }
                for id in ids.dropFirst() {
                    tasks.addTask { try await Self.send(id, through: queue, client: client) }
                }
                while queue.waiting < ids.count - 1 {
                    try await Task.sleep(for: .milliseconds(5))
                }
                hook.open.withLock { $0 = true }
                var outcomes: [String: String] = [:]
                for try await (id, outcome) in tasks {
                    outcomes[id] = outcome
                }
                return outcomes
            }
        }

        static func send(
            _ id: String, through queue: IngestQueue, client: AuthenticatedClient
        ) async throws -> (
            String, String
        ) {
            let batch = TestBatches.batch(id, groups: [IngestTests.sessionClosed("alice")])
            do {
                switch try await queue.ingest(batch, from: client, receivedAt: TestBatches.time(10)) {
                case .stored: return (id, "stored")
                case .duplicate: return (id, "duplicate")
                }
            } catch is TestDatabase.SetupError {
                return (id, "error")
            }
        }
    }
}
