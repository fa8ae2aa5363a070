import FaultlineCollector
import FaultlineCore
import SQLKit
import Testing

extension DatabaseTests {
    @Suite struct StoreTests {
        @Test(arguments: DatabaseEngine.allCases)
        func migratesOnceAndRecordsEachMigration(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                #expect(try await test.store.migrate().isEmpty)
                let applied = try await test.store.appliedMigrations()
                #expect(applied.map(\.version) == CollectorSchema.migrations.map(\.version))
                #expect(applied.map(\.name) == CollectorSchema.migrations.map(\.name))
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func collectorsStartingTogetherMigrateOnce(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                // A database with only the first migration, as an older collector left it.
                try await test.store.withConnection(forWriting: true) { database in
                    for table in [
                        "users", "group_recent_occurrences", "ticket_clients", "ticket_hosts", "outbox",
                        "ticket_history",
                        "tickets", "occurrences", "samples", "group_merges",
                        "fingerprints", "error_groups", "grouping_sources", "batches", "hosts",
                    ] {
                        try await database.raw("DROP TABLE \(ident: table)").run()
                    }
                    try await database.raw("DELETE FROM schema_migrations WHERE version > 1").run()
                }
                let stores = [test.store, try await test.openAnotherStore(), try await test.openAnotherStore()]
                let appliedCounts = try await withThrowingTaskGroup(of: Int.self) { group in
                    for store in stores {
                        group.addTask { try await store.migrate().count }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(appliedCounts.reduce(0, +) == CollectorSchema.migrations.count - 1)
                #expect(
                    try await test.store.integer("SELECT COUNT(*) AS value FROM schema_migrations")
                        == Int64(CollectorSchema.migrations.count))
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func refusesASchemaNewerThanItKnows(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                try await test.store.withConnection(forWriting: true) { database in
                    try await database.raw(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)"
                    ).run()
                }
                await #expect {
                    try await test.store.migrate()
                } throws: { error in
                    "\(error)".contains("version 99") && "\(error)".contains("newer")
                }
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func clientsAndTokens(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let store = test.store
                let acme = try await store.addClient(named: "acme", emails: ["ops@acme.example", "cto@acme.example"])
                _ = try await store.addClient(named: "beta", emails: [])
                await #expect(throws: StoreError.self) { try await store.addClient(named: "acme", emails: []) }
                let clients = try await store.clients()
                #expect(clients.map(\.name) == ["acme", "beta"])
                #expect(clients[0].emails == ["cto@acme.example", "ops@acme.example"])

                let issued = try await store.issueToken(forClient: "acme")
                #expect(issued.token.hasPrefix("flt_") && issued.token.count == 68)
                #expect(
                    try await store.checkToken(issued.token)
                        == .valid(AuthenticatedClient(id: acme.id, name: "acme", tokenID: issued.record.id)))
                #expect(try await store.checkToken(issued.token + "x") == .unknown)
                // Only the hash is stored.
                let hashes = try await store.strings("SELECT hash AS value FROM tokens")
                #expect(hashes == [AccessToken.hash(issued.token)])
                #expect(!hashes.contains(issued.token))

                let revoked = try await store.revokeToken(id: issued.record.id)
                #expect(revoked.revokedAt != nil)
                #expect(try await store.checkToken(issued.token) == .revoked(clientName: "acme"))
                #expect(try await store.tokens(ofClient: "acme").map(\.id) == [issued.record.id])
                await #expect(throws: StoreError.self) { try await store.issueToken(forClient: "nobody") }
                await #expect(throws: StoreError.self) { try await store.revokeToken(id: 12345) }
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func allowsOneOpenTicketPerGroup(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let ingestor = BatchIngestor(store: test.store)
                let client = try await IngestTests.client(in: test.store)
                _ = try await ingestor.ingest(
                    TestBatches.batch("1", groups: [TestBatches.group("disk /dev/sda1 is full")]), from: client,
                    receivedAt: TestBatches.time(10))
                let group = try await test.store.strings("SELECT id AS value FROM error_groups")[0]
                func insertTicket(_ status: String) async throws {
                    try await test.store.withConnection(forWriting: true) { database in
                        try await database.raw(
                            """
                            INSERT INTO tickets (group_id, status, title, created_at, updated_at)
                            VALUES (\(bind: group), \(bind: status), 'disk full', 0, 0)
                            """
                        ).run()
                    }
                }
                try await insertTicket("closed")
                try await insertTicket("open")
                await #expect(throws: (any Error).self) { try await insertTicket("reopened") }
                await #expect(throws: (any Error).self) { try await insertTicket("in_progress") }
                try await insertTicket("closed")
                await #expect(throws: (any Error).self) { try await insertTicket("no such status") }
                #expect(try await test.store.integer("SELECT COUNT(*) AS value FROM tickets") == 3)
            }
        }
    }
}
