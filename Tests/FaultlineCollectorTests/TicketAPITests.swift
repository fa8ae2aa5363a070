import FaultlineCollector
import FaultlineCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

extension DatabaseTests {
    @Suite struct TicketAPITests {
        static let adminToken = "admin-token-0123456789abcdef"

        @Test(arguments: DatabaseEngine.allCases)
        func listsAndShowsTicketsToTheAdminOnly(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let client = try await IngestTests.client(in: test.store)
                let engineHook = TicketEngine(
                    configuration: TicketConfiguration(), outbox: MailOutbox(sender: "faultline@collector.example"),
                    logger: TestDatabase.logger)
                _ = try await BatchIngestor(store: test.store, hooks: [engineHook]).ingest(
                    TestBatches.batch("1", groups: [TestBatches.group("disk /dev/sda1 is full")]), from: client,
                    receivedAt: TestBatches.time(10))
                let id = try #require(try await test.store.tickets().first?.id)
                let application = Application(
                    router: CollectorApplication.router(
                        store: test.store, maximumBatchBytes: 1 << 20, adminToken: Self.adminToken))
                try await application.test(.router) { http in
                    try await http.execute(uri: "/api/v1/tickets", method: .get) { response in
                        #expect(response.status == .unauthorized)
                    }
                    try await http.execute(
                        uri: "/api/v1/tickets", method: .get, headers: [.authorization: "Bearer wrong-token"]
                    ) { response in
                        #expect(response.status == .unauthorized)
                    }
                    let admin: HTTPFields = [.authorization: "Bearer \(Self.adminToken)"]
                    try await http.execute(uri: "/api/v1/tickets?status=open", method: .get, headers: admin) {
                        response in
                        #expect(response.status == .ok)
                        let object =
                            try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                        let tickets = object?["tickets"] as? [[String: Any]]
                        #expect(tickets?.count == 1)
                        #expect(tickets?.first?["status"] as? String == "open")
                    }
                    try await http.execute(uri: "/api/v1/tickets/\(id)", method: .get, headers: admin) { response in
                        #expect(response.status == .ok)
                        let object =
                            try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                        #expect(object?["template"] as? String == "disk <path> is full")
                        #expect(object?["clients"] as? [String] == ["acme"])
                        let history = object?["history"] as? [[String: Any]]
                        #expect(history?.first?["kind"] as? String == "created")
                    }
                    try await http.execute(uri: "/api/v1/tickets/999", method: .get, headers: admin) { response in
                        #expect(response.status == .notFound)
                    }
                }
            }
        }

        @Test func twoCollectorsOnOnePostgreSQLOpenOneTicketForTwentyAgents() async throws {
            try await TestDatabase.with(.postgresql) { test in
                // Four clients with five agents each; every agent reports the same new error at once, half of
                // them to each collector.
                var clients: [AuthenticatedClient] = []
                for name in ["acme", "globex", "initech", "umbrella"] {
                    clients.append(try await IngestTests.client(in: test.store, named: name))
                }
                let stores = [test.store, try await test.openAnotherStore()]
                let outbox = MailOutbox(sender: "faultline@collector.example")
                let now = TestBatches.time(10)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for agent in 0..<20 {
                        let store = stores[agent % 2]
                        let client = clients[agent / 5]
                        group.addTask {
                            let hook = TicketEngine(
                                configuration: TicketConfiguration(), outbox: outbox, logger: TestDatabase.logger)
                            var batch = TestBatches.batch(
                                "agent-\(agent)", host: "\(client.name)-web-\(agent)",
                                groups: [TestBatches.group("connection to 10.0.0.7 refused")])
                            batch.agent.id = "agent-\(agent)"
                            batch.batchID = "agent-\(agent):1"
                            _ = try await BatchIngestor(store: store, hooks: [hook]).ingest(
                                batch, from: client, receivedAt: now)
                        }
                    }
                    try await group.waitForAll()
                }
                let tickets = try await test.store.tickets()
                #expect(tickets.count == 1)
                #expect(tickets.first?.occurrences == 20)
                #expect(
                    try await test.store.integer("SELECT COUNT(*) AS value FROM ticket_history WHERE kind = 'created'")
                        == 1)
                // One email per affected client: the client whose batch opened the ticket gets "opened", the
                // three others "affected".
                let emails = try await test.store.strings(
                    "SELECT c.name AS value FROM outbox o JOIN clients c ON c.id = o.client_id ORDER BY c.name")
                #expect(emails == ["acme", "globex", "initech", "umbrella"])
                #expect(
                    try await test.store.integer("SELECT COUNT(*) AS value FROM outbox WHERE kind = 'opened'") == 1)
                let detail = try #require(try await test.store.ticketDetail(id: tickets[0].id))
                #expect(detail.hosts.count == 20)
                #expect(detail.clients == ["acme", "globex", "initech", "umbrella"])
            }
        }

        @Test func twoCollectorsCloseAValidatedTicketOnce() async throws {
            try await TestDatabase.with(.postgresql) { test in
                let client = try await IngestTests.client(in: test.store)
                let outbox = MailOutbox(sender: "faultline@collector.example")
                let hook = TicketEngine(
                    configuration: TicketConfiguration(), outbox: outbox, logger: TestDatabase.logger)
                _ = try await BatchIngestor(store: test.store, hooks: [hook]).ingest(
                    TestBatches.batch("1", groups: [TestBatches.group("disk /dev/sda1 is full")]), from: client,
                    receivedAt: TestBatches.time(10))
                let id = try #require(try await test.store.tickets().first?.id)
                try await test.store.recordFix(
                    ticketID: id, note: "fixed", version: nil, actor: "admin", validationWindow: .zero)
                let stores = [test.store, try await test.openAnotherStore(), try await test.openAnotherStore()]
                let later = WireTimestamp(microseconds: WireTimestamp.now().microseconds + 1_000_000)
                let closed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                    for store in stores {
                        group.addTask { try await store.closeValidatedTickets(now: later, outbox: outbox) }
                    }
                    return try await group.reduce(into: [Int64]()) { $0 += $1 }
                }
                #expect(closed == [id])
                #expect(
                    try await test.store.integer("SELECT COUNT(*) AS value FROM outbox WHERE kind = 'resolved'") == 1)
            }
        }
    }
}
