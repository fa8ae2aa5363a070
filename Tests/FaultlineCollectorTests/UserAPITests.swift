import FaultlineCollector
import FaultlineCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

extension DatabaseTests {
    @Suite struct UserAPITests {
        /// Two clients, each with a ticket of its own, one technician and one user per client.
        struct Setup {
            var acmeTicket: Int64
            var globexTicket: Int64
            var technician: String
            var acmeUser: String
            var application: Application<RouterResponder<BasicRequestContext>>
        }

        static func setUp(_ test: TestDatabase) async throws -> Setup {
            let engineHook = TicketEngine(
                configuration: TicketConfiguration(), outbox: MailOutbox(sender: "faultline@collector.example"),
                logger: TestDatabase.logger)
            let ingestor = BatchIngestor(store: test.store, hooks: [engineHook])
            let acme = try await IngestTests.client(in: test.store, named: "acme")
            let globex = try await IngestTests.client(in: test.store, named: "globex")
            _ = try await ingestor.ingest(
                TestBatches.batch("a", groups: [TestBatches.group("disk /dev/sda1 is full")]), from: acme,
                receivedAt: TestBatches.time(10))
            var other = TestBatches.batch(
                "g", host: "db-1", groups: [TestBatches.group("connection to 10.0.0.7 refused", unit: "api.service")])
            other.batchID = "ffffffff-1111-4c5e-9d3a-5d6f7a8b9c0d:g"
            other.agent.id = "ffffffff-1111-4c5e-9d3a-5d6f7a8b9c0d"
            _ = try await ingestor.ingest(other, from: globex, receivedAt: TestBatches.time(11))
            let tickets = try await test.store.tickets()
            let acmeTicket = try #require(tickets.first { $0.title.contains("disk") }?.id)
            let globexTicket = try #require(tickets.first { $0.title.contains("connection") }?.id)
            let technician = try await test.store.addUser(named: "tess", role: .technician, clientName: nil)
            let acmeUser = try await test.store.addUser(named: "ann", role: .client, clientName: "acme")
            return Setup(
                acmeTicket: acmeTicket, globexTicket: globexTicket, technician: technician.token,
                acmeUser: acmeUser.token,
                application: Application(
                    router: CollectorApplication.router(
                        store: test.store, maximumBatchBytes: 1 << 20, validationWindow: .seconds(60))))
        }

        static func bearer(_ token: String) -> HTTPFields {
            [.authorization: "Bearer \(token)", .contentType: "application/json"]
        }

        static func object(_ response: TestResponse) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        }

        static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

        static func ticketIDs(_ response: TestResponse) throws -> [Int64] {
            let tickets = try object(response)["tickets"] as? [[String: Any]] ?? []
            return tickets.compactMap { ($0["id"] as? NSNumber)?.int64Value }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func aClientUserSeesOnlyItsClientsTickets(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let setup = try await Self.setUp(test)
                try await setup.application.test(.router) { http in
                    try await http.execute(uri: "/api/v1/tickets", method: .get, headers: Self.bearer(setup.acmeUser)) {
                        response in
                        #expect(response.status == .ok)
                        let ids = try Self.ticketIDs(response)
                        #expect(ids == [setup.acmeTicket])
                    }
                    try await http.execute(
                        uri: "/api/v1/tickets/\(setup.globexTicket)", method: .get,
                        headers: Self.bearer(setup.acmeUser)
                    ) { response in
                        #expect(response.status == .notFound)
                    }
                    try await http.execute(uri: "/api/v1/tickets", method: .get, headers: Self.bearer(setup.technician))
                    { response in
                        let ids = try Self.ticketIDs(response)
                        #expect(ids.sorted() == [setup.acmeTicket, setup.globexTicket].sorted())
                    }
                    // A client may comment on its own ticket, not change its status nor touch another client's.
                    try await http.execute(
                        uri: "/api/v1/tickets/\(setup.acmeTicket)/comments", method: .post,
                        headers: Self.bearer(setup.acmeUser), body: Self.body(#"{"text": "seen on <web-1> too"}"#)
                    ) { response in
                        #expect(response.status == .ok)
                    }
                    try await http.execute(
                        uri: "/api/v1/tickets/\(setup.acmeTicket)/status", method: .post,
                        headers: Self.bearer(setup.acmeUser), body: Self.body(#"{"status": "closed"}"#)
                    ) { response in
                        #expect(response.status == .forbidden)
                    }
                    try await http.execute(
                        uri: "/api/v1/tickets/\(setup.globexTicket)/comments", method: .post,
                        headers: Self.bearer(setup.acmeUser), body: Self.body(#"{"text": "hello"}"#)
                    ) { response in
                        #expect(response.status == .notFound)
                    }
                }
                let history = try #require(try await test.store.ticketDetail(id: setup.acmeTicket)).history
                #expect(history.last?.kind == .comment)
                #expect(history.last?.actor == "ann")
                #expect(history.last?.detail == "seen on <web-1> too")
                #expect(try await test.store.ticketDetail(id: setup.acmeTicket)?.ticket.status == .open)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func aTechnicianWorksOnATicket(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let setup = try await Self.setUp(test)
                let uri = "/api/v1/tickets/\(setup.acmeTicket)"
                let headers = Self.bearer(setup.technician)
                try await setup.application.test(.router) { http in
                    try await http.execute(
                        uri: "\(uri)/status", method: .post, headers: headers,
                        body: Self.body(#"{"status": "in_progress"}"#)
                    ) { response in
                        #expect(response.status == .ok)
                        let ticket = try Self.object(response)["ticket"] as? [String: Any]
                        #expect(ticket?["status"] as? String == "in_progress")
                    }
                    try await http.execute(
                        uri: "\(uri)/assign", method: .post, headers: headers, body: Self.body(#"{"assignee": "tess"}"#)
                    ) { response in
                        #expect(response.status == .ok)
                    }
                    try await http.execute(
                        uri: "\(uri)/fix", method: .post, headers: headers,
                        body: Self.body(#"{"note": "bigger disk", "version": "1.2.3"}"#)
                    ) { response in
                        #expect(response.status == .ok)
                        let ticket = try Self.object(response)["ticket"] as? [String: Any]
                        #expect(ticket?["status"] as? String == "fixed")
                    }
                    // Bad bodies name the field.
                    try await http.execute(
                        uri: "\(uri)/status", method: .post, headers: headers, body: Self.body(#"{"status": "fixed"}"#)
                    ) { response in
                        #expect(response.status == .badRequest)
                        #expect(String(buffer: response.body).contains("status: must be in_progress or closed"))
                    }
                    try await http.execute(
                        uri: "\(uri)/assign", method: .post, headers: headers, body: Self.body(#"{"who": "tess"}"#)
                    ) { response in
                        #expect(response.status == .badRequest)
                        #expect(String(buffer: response.body).contains("assignee: missing"))
                    }
                    try await http.execute(
                        uri: "\(uri)/status", method: .post, headers: headers, body: Self.body(#"{"status": "closed"}"#)
                    ) { response in
                        #expect(response.status == .ok)
                    }
                    // A closed ticket cannot be assigned any more.
                    try await http.execute(
                        uri: "\(uri)/assign", method: .post, headers: headers, body: Self.body(#"{"assignee": "bob"}"#)
                    ) { response in
                        #expect(response.status == .conflict)
                    }
                }
                let detail = try #require(try await test.store.ticketDetail(id: setup.acmeTicket))
                #expect(detail.ticket.assignee == "tess")
                #expect(detail.ticket.fixVersion == "1.2.3")
                let changes = detail.history.filter { $0.actor == "tess" }.map { "\($0.kind.rawValue): \($0.detail)" }
                #expect(
                    changes == [
                        "status_changed: open → in_progress", "assigned: assigned to tess",
                        "fix_recorded: bigger disk (version 1.2.3)", changes[3], "status_changed: fixed → closed",
                    ])
                #expect(changes[3].hasPrefix("status_changed: in_progress → fixed; validation until "))
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func usersNeedTheRightClientAndCanBeRemoved(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                _ = try await IngestTests.client(in: test.store, named: "acme")
                await #expect(throws: StoreError.self) {
                    try await test.store.addUser(named: "ann", role: .client, clientName: nil)
                }
                await #expect(throws: StoreError.self) {
                    try await test.store.addUser(named: "ann", role: .admin, clientName: "acme")
                }
                await #expect(throws: StoreError.self) {
                    try await test.store.addUser(named: "ann", role: .client, clientName: "nobody")
                }
                let ann = try await test.store.addUser(named: "ann", role: .client, clientName: "acme")
                #expect(ann.token.hasPrefix(AccessToken.prefix))
                await #expect(throws: StoreError.self) {
                    try await test.store.addUser(named: "ann", role: .technician, clientName: nil)
                }
                #expect(try await test.store.user(withToken: ann.token)?.clientName == "acme")
                try await test.store.removeUser(named: "ann")
                #expect(try await test.store.user(withToken: ann.token) == nil)
                #expect(try await test.store.users().map(\.name) == ["ann"])
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func metricsCountTicketsRequestsAndTheOutbox(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let setup = try await Self.setUp(test)
                try await setup.application.test(.router) { http in
                    try await http.execute(uri: "/healthz", method: .get) { response in
                        #expect(response.status == .ok)
                    }
                    try await http.execute(uri: "/metrics", method: .get) { response in
                        #expect(response.status == .ok)
                        #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                        let text = String(buffer: response.body)
                        #expect(text.contains(#"faultline_tickets{status="open"} 2"#))
                        #expect(text.contains(#"faultline_tickets{status="closed"} 0"#))
                        #expect(text.contains("faultline_outbox_pending 2"))
                        #expect(text.contains("faultline_hosts 2"))
                    }
                }
            }
        }
    }
}
