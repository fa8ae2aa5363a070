import FaultlineCollector
import FaultlineCore
import FaultlineTestSupport
import Foundation
import SQLKit
import Testing

extension DatabaseTests {
    @Suite struct TicketTests {
        /// The parts a collector runs for tickets, on one database and one SMTP server.
        struct Collector {
            let store: Store
            let client: AuthenticatedClient
            let ingestor: BatchIngestor
            let sender: MailSender
            let scheduler: ValidationScheduler
            let tickets: TicketConfiguration

            init(
                store: Store, client: AuthenticatedClient, smtpURL: String, tickets: TicketConfiguration,
                rateLimit: Duration = .zero, mail: MailConfiguration? = nil
            ) {
                let mail =
                    mail
                    ?? MailConfiguration(
                        smtpURL: smtpURL, from: "faultline@collector.example", startTLS: .none, rateLimit: rateLimit,
                        retryInitial: .seconds(30), timeout: .seconds(10))
                let outbox = MailOutbox(sender: mail.from)
                self.store = store
                self.client = client
                self.tickets = tickets
                ingestor = BatchIngestor(
                    store: store,
                    hooks: [TicketEngine(configuration: tickets, outbox: outbox, logger: TestDatabase.logger)])
                sender = MailSender(store: store, configuration: mail, logger: TestDatabase.logger)
                scheduler = ValidationScheduler(
                    store: store, outbox: outbox, interval: .seconds(1), logger: TestDatabase.logger)
            }

            /// Sends one batch with `message` logged now.
            func logs(_ message: String, batch: String, host: String = "web-1") async throws {
                let now = WireTimestamp.now()
                let batch = TestBatches.batch(
                    batch, host: host, groups: [TestBatches.group(message, at: now)], windowEnd: now)
                _ = try await ingestor.ingest(batch, from: client, receivedAt: now)
            }
        }

        static func historyKinds(_ store: Store, ticket: Int64) async throws -> [String] {
            try await store.strings(
                "SELECT kind AS value FROM ticket_history WHERE ticket_id = \(bind: ticket) ORDER BY id")
        }

        @Test(arguments: DatabaseEngine.allCases)
        func aTicketsWholeStory(engine: DatabaseEngine) async throws {
            let smtp = try TestSMTPServer()
            try smtp.start()
            try await TestDatabase.with(engine) { test in
                let client = try await IngestTests.client(in: test.store)
                let collector = Collector(
                    store: test.store, client: client, smtpURL: smtp.url,
                    tickets: TicketConfiguration(validationWindow: .seconds(2)))

                try await collector.logs("disk /dev/sda1 is full", batch: "1")
                let opened = try await test.store.tickets()
                try #require(opened.count == 1)
                let id = opened[0].id
                #expect(opened[0].status == .open)
                #expect(try await collector.sender.deliverDue() == 1)
                #expect(try smtp.messages().map { $0.headers["subject"] ?? "" }.allSatisfy { $0.contains("New error") })

                try await test.store.recordFix(
                    ticketID: id, note: "bigger disk", version: "1.2.3", actor: "admin",
                    validationWindow: collector.tickets.validationWindow)
                try await Task.sleep(for: .milliseconds(20))
                try await collector.logs("disk /dev/sda1 is full", batch: "2")
                #expect(try await test.store.ticketDetail(id: id)?.ticket.status == .reopened)
                #expect(try await collector.scheduler.checkOnce().isEmpty)
                #expect(try await collector.sender.deliverDue() == 1)

                // The window's end is checked at given times: a loaded machine may take seconds between steps.
                let fixedAt = WireTimestamp.now()
                try await test.store.recordFix(
                    ticketID: id, note: "really bigger disk", version: "1.2.4", actor: "admin",
                    validationWindow: collector.tickets.validationWindow, now: fixedAt)
                #expect(try await collector.scheduler.checkOnce(now: TestBatches.time(1, after: fixedAt)).isEmpty)
                let windowEnd = WireTimestamp(microseconds: TestBatches.time(2, after: fixedAt).microseconds + 100_000)
                #expect(try await collector.scheduler.checkOnce(now: windowEnd) == [id])
                #expect(try await collector.scheduler.checkOnce(now: windowEnd).isEmpty)
                #expect(try await collector.sender.deliverDue(now: windowEnd) == 1)
                #expect(try await collector.sender.deliverDue(now: windowEnd) == 0)

                let detail = try #require(try await test.store.ticketDetail(id: id))
                #expect(detail.ticket.status == .closed)
                #expect(detail.ticket.resolution == "validated")
                #expect(detail.hosts.map(\.name) == ["web-1"])
                #expect(detail.clients == ["acme"])
                #expect(
                    try await Self.historyKinds(test.store, ticket: id) == [
                        "created", "email_queued", "email_sent", "fix_recorded", "status_changed", "reopened",
                        "email_queued", "email_sent", "fix_recorded", "status_changed", "auto_closed", "email_queued",
                        "email_sent",
                    ])
                let messages = try smtp.messages()
                #expect(messages.count == 3)
                #expect(Set(messages.compactMap { $0.headers["message-id"] }).count == 3)
                #expect(messages.allSatisfy { $0.headers["to"] == "ops@acme.example" })
                let subjects = messages.map { $0.headers["subject"] ?? "" }
                #expect(subjects.filter { $0.contains("New error") }.count == 1)
                #expect(subjects.filter { $0.contains("Regression") }.count == 1)
                #expect(subjects.filter { $0.contains("Resolved") }.count == 1)
                let resolved = try #require(messages.first { ($0.headers["subject"] ?? "").contains("Resolved") })
                #expect(resolved.body.contains("disk <path> is full"))
                #expect(resolved.body.contains("web-1"))
                #expect(resolved.body.contains("really bigger disk"))

                // After the closure the error is a new problem: a new ticket, a new "opened" email.
                try await collector.logs("disk /dev/sda1 is full", batch: "3")
                let tickets = try await test.store.tickets().sorted { $0.id < $1.id }
                #expect(tickets.map(\.status) == [.closed, .open])
                #expect(tickets.first?.id == id)
                #expect(try await collector.sender.deliverDue() == 1)
                #expect(try smtp.messages().last?.headers["subject"]?.contains("New error") == true)
            }
            smtp.stop()
        }

        @Test(arguments: DatabaseEngine.allCases)
        func retriesWhileTheServerIsDownThenDeliversOnce(engine: DatabaseEngine) async throws {
            let smtp = try TestSMTPServer()
            try await TestDatabase.with(engine) { test in
                let client = try await IngestTests.client(in: test.store)
                let collector = Collector(
                    store: test.store, client: client, smtpURL: smtp.url, tickets: TicketConfiguration())
                try await collector.logs("kernel: \u{1b}[31mout of memory\u{1b}[0m: killed process 4242", batch: "1")
                #expect(try await collector.sender.deliverDue() == 0)
                #expect(try await test.store.integer("SELECT attempts AS value FROM outbox") == 1)
                #expect(try await test.store.strings("SELECT last_error AS value FROM outbox").first?.isEmpty == false)
                // The backoff holds the email back, until its next attempt is due.
                #expect(try await collector.sender.deliverDue() == 0)
                #expect(try await test.store.integer("SELECT attempts AS value FROM outbox") == 1)

                try smtp.start()
                let later = WireTimestamp(microseconds: WireTimestamp.now().microseconds + 60_000_000)
                #expect(try await collector.sender.deliverDue(now: later) == 1)
                #expect(try await collector.sender.deliverDue(now: later) == 0)
                let messages = try smtp.messages()
                #expect(messages.count == 1)
                #expect(messages.first?.body.contains("\u{1b}") == false)
                #expect(messages.first?.body.contains("Ticket:      #") == true)
            }
            smtp.stop()
        }

        @Test(arguments: DatabaseEngine.allCases)
        func foldsABurstIntoOneDigestPerClient(engine: DatabaseEngine) async throws {
            let smtp = try TestSMTPServer()
            try smtp.start()
            try await TestDatabase.with(engine) { test in
                let client = try await IngestTests.client(in: test.store)
                let collector = Collector(
                    store: test.store, client: client, smtpURL: smtp.url, tickets: TicketConfiguration(),
                    rateLimit: .seconds(60))
                try await collector.logs("disk /dev/sda1 is full", batch: "1")
                #expect(try await collector.sender.deliverDue() == 1)
                try await collector.logs("connection to 10.0.0.7 refused", batch: "2")
                try await collector.logs("certificate for example.com expired", batch: "3")
                #expect(try await collector.sender.deliverDue() == 0)
                let later = WireTimestamp(microseconds: WireTimestamp.now().microseconds + 61_000_000)
                #expect(try await collector.sender.deliverDue(now: later) == 1)
                #expect(try await collector.sender.deliverDue(now: later) == 0)
                let messages = try smtp.messages()
                #expect(messages.count == 2)
                let digest = try #require(messages.last)
                #expect(digest.headers["subject"] == "[Faultline] 2 updates on your tickets")
                #expect(digest.body.contains("connection to <ip> refused"))
                #expect(digest.body.contains("certificate for"))
            }
            smtp.stop()
        }

        @Test(arguments: DatabaseEngine.allCases)
        func opensOnlyAtTheThresholdAndEmailsANewlyAffectedClient(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let acme = try await IngestTests.client(in: test.store, named: "acme")
                let other = try await IngestTests.client(in: test.store, named: "other")
                let tickets = TicketConfiguration(thresholdOccurrences: 2, thresholdWindow: .seconds(60))
                let first = Collector(store: test.store, client: acme, smtpURL: "smtp://127.0.0.1:1", tickets: tickets)
                let second = Collector(
                    store: test.store, client: other, smtpURL: "smtp://127.0.0.1:1", tickets: tickets)
                try await first.logs("disk /dev/sda1 is full", batch: "1")
                #expect(try await test.store.tickets().isEmpty)
                try await first.logs("disk /dev/sda1 is full", batch: "2")
                #expect(try await test.store.tickets().count == 1)
                try await second.logs("disk /dev/sda1 is full", batch: "3", host: "db-1")
                try await second.logs("disk /dev/sda1 is full", batch: "4", host: "db-1")
                #expect(
                    try await test.store.strings("SELECT kind AS value FROM outbox ORDER BY id") == [
                        "opened", "affected",
                    ])
                #expect(
                    try await test.store.strings("SELECT recipients AS value FROM outbox ORDER BY id")
                        == ["ops@acme.example", "ops@other.example"])
                // Each client's email names its own hosts only.
                let bodies = try await test.store.strings("SELECT body AS value FROM outbox ORDER BY id")
                #expect(bodies.count == 2)
                #expect(bodies.first.map { $0.contains("web-1") && !$0.contains("db-1") } == true)
                #expect(bodies.last.map { $0.contains("db-1") && !$0.contains("web-1") } == true)
                let detail = try #require(try await test.store.ticketDetail(id: try await test.store.tickets()[0].id))
                #expect(detail.clients == ["acme", "other"])
                #expect(detail.hosts.map(\.name) == ["web-1", "db-1"])
                #expect(detail.ticket.occurrences == 3)
            }
        }

        @Test(.enabled(if: SelfSignedCertificate.isAvailable))
        func deliversOverSTARTTLSWithAuthenticationOnly() async throws {
            let certificates = try ScratchDirectory()
            let smtp = try TestSMTPServer(
                security: .init(
                    certificate: try SelfSignedCertificate(named: "mail", in: certificates), user: "faultline",
                    password: "s3cret"))
            try smtp.start()
            let passwordFile = certificates.file("smtp-password")
            try "s3cret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            try await TestDatabase.with(.sqlite) { test in
                let client = try await IngestTests.client(in: test.store)
                func collector(startTLS: MailConfiguration.StartTLS, caFile: String?, password: String?) -> Collector {
                    Collector(
                        store: test.store, client: client, smtpURL: smtp.url, tickets: TicketConfiguration(),
                        mail: MailConfiguration(
                            smtpURL: smtp.url, from: "faultline@collector.example", startTLS: startTLS,
                            username: "faultline", password: password, rateLimit: .zero, retryInitial: .zero,
                            timeout: .seconds(10), caFile: caFile))
                }
                let ca = certificates.file("mail.crt")
                try await collector(startTLS: .required, caFile: ca, password: "s3cret").logs(
                    "disk /dev/sda1 is full", batch: "1")
                // Refused: no TLS, an untrusted certificate, a wrong password. Nothing is lost: it stays queued.
                #expect(try await collector(startTLS: .none, caFile: nil, password: "s3cret").sender.deliverDue() == 0)
                #expect(
                    try await collector(startTLS: .required, caFile: nil, password: "s3cret").sender.deliverDue() == 0)
                #expect(
                    try await collector(startTLS: .required, caFile: ca, password: "wrong").sender.deliverDue() == 0)
                #expect(try smtp.messages().isEmpty)
                #expect(
                    try await collector(startTLS: .required, caFile: ca, password: "s3cret").sender.deliverDue() == 1)
                let messages = try smtp.messages()
                #expect(messages.count == 1)
                #expect(messages.first?.headers["subject"]?.contains("New error") == true)
            }
            smtp.stop()
        }

        /// A ticket's host row is written once; its last time comes from the hourly buckets while the ticket
        /// lives, and is written into the row when the ticket closes, where a later ticket cannot move it.
        @Test(arguments: DatabaseEngine.allCases)
        func aHostsLastTimeFollowsItsBucketsAndStaysWithTheClosedTicket(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let acme = try await IngestTests.client(in: test.store, named: "acme")
                let collector = Collector(
                    store: test.store, client: acme, smtpURL: "smtp://127.0.0.1:1", tickets: TicketConfiguration())
                func logs(_ batch: String, at seconds: Int64) async throws {
                    let time = TestBatches.time(seconds)
                    _ = try await collector.ingestor.ingest(
                        TestBatches.batch(
                            batch, groups: [TestBatches.group("disk /dev/sda1 is full", at: time)], windowEnd: time),
                        from: acme, receivedAt: time)
                }
                func hostTimes(_ ticket: Int64) async throws -> [Int64] {
                    let host = try #require(try await test.store.ticketDetail(id: ticket)?.hosts.first)
                    return [host.firstSeen, host.lastSeen].map { $0.microseconds - TestBatches.tenOClock.microseconds }
                }
                let rowLastSeen: SQLQueryString = """
                    SELECT CAST(last_seen - \(bind: TestBatches.tenOClock.microseconds) AS TEXT) AS value
                    FROM ticket_hosts ORDER BY ticket_id
                    """
                try await logs("1", at: 10)
                // An hour and a half later, in another bucket, then in the same one.
                try await logs("2", at: 5_400)
                try await logs("3", at: 5_460)
                let first = try await test.store.tickets()[0].id
                // Each batch's occurrence lasts a second: the row keeps the first batch's last time.
                let rowsOpen = try await test.store.strings(rowLastSeen)
                let timesOpen = try await hostTimes(first)
                #expect(rowsOpen == ["11000000"])
                #expect(timesOpen == [10_000_000, 5_461_000_000])

                try await test.store.setStatus(
                    ofTicket: first, to: .closed, actor: "admin", now: TestBatches.time(5_500))
                #expect(try await test.store.strings(rowLastSeen) == ["5461000000"])
                // The error comes back in the same hour: a new ticket, and the closed one keeps its time.
                try await logs("4", at: 5_520)
                let second = try #require(try await test.store.tickets().map(\.id).first { $0 != first })
                let rowsAfter = try await test.store.strings(rowLastSeen)
                let timesFirst = try await hostTimes(first)
                let timesSecond = try await hostTimes(second)
                #expect(rowsAfter == ["5461000000", "5521000000"])
                #expect(timesFirst == [10_000_000, 5_461_000_000])
                #expect(timesSecond == [5_520_000_000, 5_521_000_000])
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func aSourceRuleHasItsOwnThreshold(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let acme = try await IngestTests.client(in: test.store, named: "acme")
                let tickets = TicketConfiguration(
                    thresholdRules: [.init(sourceContains: "cron", occurrences: 3, window: .seconds(60))])
                let collector = Collector(
                    store: test.store, client: acme, smtpURL: "smtp://127.0.0.1:1", tickets: tickets)
                func cron(_ batch: String) async throws {
                    let now = WireTimestamp.now()
                    _ = try await collector.ingestor.ingest(
                        TestBatches.batch(
                            batch, groups: [TestBatches.group("backup job failed", unit: "cron.service", at: now)],
                            windowEnd: now), from: acme, receivedAt: now)
                }
                try await cron("1")
                try await cron("2")
                // Other sources keep the default: their first error opens a ticket.
                try await collector.logs("disk /dev/sda1 is full", batch: "3")
                #expect(try await test.store.tickets().map(\.title) == ["sshd.service: disk <path> is full"])
                try await cron("4")
                #expect(try await test.store.tickets().count == 2)
            }
        }
    }
}
