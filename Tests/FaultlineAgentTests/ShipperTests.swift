import FaultlineCore
import Foundation
import Logging
import Testing

@testable import FaultlineAgent

/// The shipper against a real HTTP server on loopback (`CollectorStubServer`), with an in-memory queue, a fixed
/// random source and, where time matters, a fake clock: retry times are asserted by arithmetic, never by waiting.
@Suite("Shipper", .serialized)
struct ShipperTests {
    private static let token = "agent-token-7f3a"
    private static let start = WireTimestamp(microseconds: 1_800_000_000_000_000)

    /// A batch whose body is the gzip of a small JSON document naming it.
    private static func batch(_ sequence: Int64, attempts: Int = 0) -> SpooledBatch {
        let json = #"{"schema":1,"batch_id":"agent-1:\#(sequence)","groups":[]}"#
        return SpooledBatch(
            sequence: sequence, batchID: "agent-1:\(sequence)", body: Gzip.compress(Array(json.utf8)),
            attempts: attempts)
    }

    private static func later(_ time: WireTimestamp, by duration: Duration) -> WireTimestamp {
        let (seconds, attoseconds) = duration.components
        return WireTimestamp(microseconds: time.microseconds + seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }

    private static func makeShipper(
        urls: [String], queue: InMemoryBatchQueue, token: String = token, random: FixedRandom = .highest,
        backoff: Backoff = Backoff(), totalTimeout: Duration = .seconds(10), clock: FakeClock = FakeClock(),
        idlePollInterval: Duration = .seconds(30)
    ) throws -> (Shipper, RecordingLogHandler.Store) {
        let (logger, store) = RecordingLogHandler.logger()
        let configuration = ShipperConfiguration(
            collectorURLs: urls, token: token, connectTimeout: .seconds(2), totalTimeout: totalTimeout,
            backoff: backoff, idlePollInterval: idlePollInterval)
        let shipper = try Shipper(
            configuration: configuration, queue: queue, logger: logger, clock: { clock.now }, randomSource: random)
        return (shipper, store)
    }

    private static func endpoint(_ server: CollectorStubServer) -> String {
        server.baseURL + "/api/v1/batches"
    }

    private static func delivered(_ sequence: Int64, via server: CollectorStubServer) -> ShipOutcome {
        .delivered(batchID: "agent-1:\(sequence)", collectorURL: endpoint(server))
    }

    @Test func deliversEachBatchWithTokenHeadersAndTheGzipBodyIntact() throws {
        let server = try CollectorStubServer()
        let batches = [Self.batch(1), Self.batch(2)]
        let queue = InMemoryBatchQueue(batches)
        // A token file usually ends with a newline; it must not reach the header.
        let (shipper, _) = try Self.makeShipper(urls: [server.baseURL + "/"], queue: queue, token: Self.token + "\n")

        #expect(shipper.shipOnce(now: Self.start) == Self.delivered(1, via: server))
        #expect(shipper.shipOnce(now: Self.start) == Self.delivered(2, via: server))
        #expect(shipper.shipOnce(now: Self.start) == .idle)

        #expect(queue.remaining.isEmpty)
        #expect(queue.deliveredSequences == [1, 2])
        #expect(queue.retries.isEmpty && queue.deadLetters.isEmpty)
        let requests = try server.receivedRequests()
        try #require(requests.count == 2)
        for (request, batch) in zip(requests, batches) {
            #expect(request.path == "/api/v1/batches")
            #expect(request.header("Authorization") == "Bearer \(Self.token)")
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("Content-Encoding") == "gzip")
            #expect(request.header("X-Faultline-Batch") == batch.batchID)
            #expect(request.body == batch.body)
            let json = String(decoding: try Gzip.decompress(request.body, maximumSize: 1 << 20), as: UTF8.self)
            #expect(json.contains(#""batch_id":"\#(batch.batchID)""#))
        }
    }

    @Test(arguments: [429, 503])
    func retryAfterIsHonouredAndNothingIsSentBeforeIt(status: Int) throws {
        let server = try CollectorStubServer(plan: [.status(status, headers: ["Retry-After": "2"]), .ok])
        let queue = InMemoryBatchQueue([Self.batch(1)])
        let (shipper, _) = try Self.makeShipper(urls: [server.baseURL], queue: queue, random: .lowest)

        guard case .retryScheduled(let batchID, let retryAt, let reason) = shipper.shipOnce(now: Self.start) else {
            Issue.record("expected a retry")
            return
        }
        #expect(batchID == "agent-1:1")
        #expect(reason.contains("HTTP \(status)"))
        #expect(queue.retries.map(\.at) == [retryAt])
        // No jitter with this random source: exactly the 2 s the server asked for.
        #expect(retryAt == Self.later(Self.start, by: .seconds(2)))

        #expect(shipper.shipOnce(now: Self.later(Self.start, by: .seconds(1))) == .paused(until: retryAt))
        #expect(try server.receivedRequests().count == 1)
        #expect(shipper.shipOnce(now: retryAt) == Self.delivered(1, via: server))
        #expect(queue.deadLetters.isEmpty)
    }

    @Test func retryAfterGetsJitterOnTopAndIsCappedAtTheLimit() throws {
        let server = try CollectorStubServer(plan: [.status(429, headers: ["Retry-After": "2"])])
        let queue = InMemoryBatchQueue([Self.batch(1)])
        let (shipper, _) = try Self.makeShipper(urls: [server.baseURL], queue: queue, random: .highest)
        _ = shipper.shipOnce(now: Self.start)
        // Retry-After 2 s, plus full jitter of the first failure (at most 1 s), here at its highest.
        #expect(queue.retries.map(\.at) == [Self.later(Self.start, by: .seconds(3))])

        let slowServer = try CollectorStubServer(plan: [.status(503, headers: ["Retry-After": "99999999"])])
        let slowQueue = InMemoryBatchQueue([Self.batch(1)])
        let (slowShipper, _) = try Self.makeShipper(urls: [slowServer.baseURL], queue: slowQueue, random: .lowest)
        _ = slowShipper.shipOnce(now: Self.start)
        #expect(slowQueue.retries.map(\.at) == [Self.later(Self.start, by: .seconds(3600))])
    }

    @Test func backoffGrowsWithFailuresInARowIsCappedAndResetsAfterADelivery() throws {
        let server = try CollectorStubServer(plan: [.status(503)])
        let queue = InMemoryBatchQueue([Self.batch(1), Self.batch(2)])
        let backoff = Backoff(base: .seconds(1), cap: .seconds(8))
        let (shipper, _) = try Self.makeShipper(
            urls: [server.baseURL], queue: queue, random: .highest, backoff: backoff)

        var now = Self.start
        var delays: [Int64] = []
        for _ in 0..<6 {
            guard case .retryScheduled(_, let retryAt, _) = shipper.shipOnce(now: now) else {
                Issue.record("expected a retry")
                return
            }
            delays.append((retryAt.microseconds - now.microseconds) / 1_000_000)
            now = retryAt
        }
        #expect(delays == [1, 2, 4, 8, 8, 8])
        // While paused, batch 2 was never tried: an outage costs one request per interval, not one per batch.
        #expect(Set(queue.retries.map(\.sequence)) == [1])
        #expect(try server.receivedRequests().count == 6)

        try server.setPlan([.ok, .status(503)])
        #expect(shipper.shipOnce(now: now) == Self.delivered(1, via: server))
        guard case .retryScheduled(_, let retryAt, _) = shipper.shipOnce(now: now) else {
            Issue.record("expected a retry")
            return
        }
        #expect(retryAt == Self.later(now, by: .seconds(1)))
    }

    @Test func aBatchsOwnAttemptCountSetsTheBackoffToo() throws {
        let server = try CollectorStubServer(plan: [.status(500)])
        let queue = InMemoryBatchQueue([Self.batch(1, attempts: 3)])
        let (shipper, _) = try Self.makeShipper(urls: [server.baseURL], queue: queue, random: .highest)
        _ = shipper.shipOnce(now: Self.start)
        #expect(queue.retries.map(\.at) == [Self.later(Self.start, by: .seconds(8))])
    }

    @Test func badRequestIsDeadLetteredWithTheServersReasonAndTheNextBatchGoesOut() throws {
        let message = "field 'window.end' is missing\u{1b}[31m"
        let server = try CollectorStubServer(plan: [.status(400, body: message), .ok])
        let queue = InMemoryBatchQueue([Self.batch(1), Self.batch(2)])
        let (shipper, logs) = try Self.makeShipper(urls: [server.baseURL], queue: queue)

        guard case .deadLettered(let batchID, let reason) = shipper.shipOnce(now: Self.start) else {
            Issue.record("expected a dead letter")
            return
        }
        #expect(batchID == "agent-1:1")
        #expect(queue.deadLetters.map(\.sequence) == [1])
        let stored = try #require(queue.deadLetters.first?.reason)
        #expect(stored == reason)
        #expect(stored.contains("HTTP 400"))
        #expect(stored.contains("field 'window.end' is missing"))
        #expect(stored.contains(#"\x1b[31m"#))
        #expect(!stored.contains("\u{1b}"))
        #expect(queue.retries.isEmpty)
        let errors = logs.records.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["batch.id"] == "agent-1:1")
        #expect(errors.first?.metadata["collector.url"] == "\(Self.endpoint(server))")
        #expect(errors.first?.metadata["http.status"] == "400")

        #expect(shipper.shipOnce(now: Self.start) == Self.delivered(2, via: server))
    }

    @Test func aBodyLongerThanTheExcerptIsCut() throws {
        let server = try CollectorStubServer(plan: [.status(422, body: String(repeating: "y", count: 5000))])
        let queue = InMemoryBatchQueue([Self.batch(1)])
        let (shipper, _) = try Self.makeShipper(urls: [server.baseURL], queue: queue)
        _ = shipper.shipOnce(now: Self.start)
        let reason = try #require(queue.deadLetters.first?.reason)
        #expect(reason.contains(String(repeating: "y", count: 512) + "…"))
        #expect(!reason.contains(String(repeating: "y", count: 513)))
    }

    @Test func tooLargeIsDeadLetteredWithAdvice() throws {
        let server = try CollectorStubServer(plan: [.status(413, body: "batch over 8 MiB")])
        let queue = InMemoryBatchQueue([Self.batch(1)])
        let (shipper, _) = try Self.makeShipper(urls: [server.baseURL], queue: queue)
        guard case .deadLettered(_, let reason) = shipper.shipOnce(now: Self.start) else {
            Issue.record("expected a dead letter")
            return
        }
        #expect(reason.contains("HTTP 413"))
        #expect(reason.contains("batch over 8 MiB"))
        #expect(reason.contains("batch size limit"))
        #expect(queue.remaining.isEmpty && queue.retries.isEmpty)
    }

    @Test(arguments: [401, 403, 404])
    func refusalOfTheAgentKeepsEveryBatchPausesLongAndLogsErrors(status: Int) throws {
        let server = try CollectorStubServer(plan: [.status(status, body: "token revoked")])
        let queue = InMemoryBatchQueue([Self.batch(1), Self.batch(2)])
        let backoff = Backoff(base: .seconds(1), cap: .seconds(300))
        let (shipper, logs) = try Self.makeShipper(urls: [server.baseURL], queue: queue, backoff: backoff)

        guard case .refused(let batchID, let until, let reason) = shipper.shipOnce(now: Self.start) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(batchID == "agent-1:1")
        #expect(until == Self.later(Self.start, by: .seconds(300)))
        #expect(reason.contains("HTTP \(status)"))
        #expect(reason.contains("token revoked"))
        #expect(queue.deadLetters.isEmpty)
        #expect(queue.remaining.count == 2)
        #expect(queue.retries.map(\.at) == [until])
        #expect(shipper.shipOnce(now: Self.later(Self.start, by: .seconds(299))) == .paused(until: until))
        #expect(try server.receivedRequests().count == 1)
        let errors = logs.records.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.metadata["ship.reason"].map { "\($0)".contains("HTTP \(status)") } == true)
        #expect(errors.first?.metadata["batch.id"] == "agent-1:1")

        try server.setPlan([.ok])
        #expect(shipper.shipOnce(now: until) == Self.delivered(1, via: server))
    }

    @Test func aDroppedConnectionIsRetried() throws {
        let server = try CollectorStubServer(plan: [.hangUp, .ok])
        let queue = InMemoryBatchQueue([Self.batch(1)])
        let (shipper, _) = try Self.makeShipper(urls: [server.baseURL], queue: queue, random: .highest)
        guard case .retryScheduled(_, let retryAt, let reason) = shipper.shipOnce(now: Self.start) else {
            Issue.record("expected a retry")
            return
        }
        #expect(retryAt == Self.later(Self.start, by: .seconds(1)))
        #expect(reason.contains(Self.endpoint(server)))
        #expect(shipper.shipOnce(now: retryAt) == Self.delivered(1, via: server))
        #expect(try server.receivedRequests().count == 2)
    }

    @Test func aTimeoutIsRetried() throws {
        let server = try CollectorStubServer(plan: [CollectorStubServer.Reply(delay: 3), .ok])
        let queue = InMemoryBatchQueue([Self.batch(1)])
        let (shipper, _) = try Self.makeShipper(
            urls: [server.baseURL], queue: queue, totalTimeout: .milliseconds(300))
        guard case .retryScheduled(_, _, let reason) = shipper.shipOnce(now: Self.start) else {
            Issue.record("expected a retry")
            return
        }
        #expect(reason.lowercased().contains("timed out"))
        #expect(queue.deadLetters.isEmpty && queue.remaining.count == 1)
    }

    @Test func failsOverToTheNextCollectorAndStaysWithIt() throws {
        let downURL = "http://127.0.0.1:\(try CollectorStubServer.unusedPort())"
        let server = try CollectorStubServer()
        let queue = InMemoryBatchQueue([Self.batch(1), Self.batch(2)])
        let (shipper, logs) = try Self.makeShipper(urls: [downURL, server.baseURL], queue: queue)

        #expect(shipper.shipOnce(now: Self.start) == Self.delivered(1, via: server))
        #expect(shipper.currentCollectorURL == Self.endpoint(server))
        #expect(shipper.shipOnce(now: Self.start) == Self.delivered(2, via: server))
        #expect(queue.retries.isEmpty && queue.deadLetters.isEmpty)
        #expect(try server.receivedRequests().map { $0.header("X-Faultline-Batch") } == ["agent-1:1", "agent-1:2"])
        // Only the first batch tried the collector that is down.
        let failedAttempts = logs.records.filter { $0.level == .warning && $0.metadata["collector.url"] != nil }
        #expect(failedAttempts.map { $0.metadata["collector.url"] } == ["\(downURL)/api/v1/batches"])
    }

    @Test func aCollectorThatRefusesTheTokenIsFailedOverToo() throws {
        let refusing = try CollectorStubServer(plan: [.status(401)])
        let accepting = try CollectorStubServer()
        let queue = InMemoryBatchQueue([Self.batch(1)])
        let (shipper, logs) = try Self.makeShipper(urls: [refusing.baseURL, accepting.baseURL], queue: queue)
        #expect(shipper.shipOnce(now: Self.start) == Self.delivered(1, via: accepting))
        #expect(queue.retries.isEmpty && queue.deadLetters.isEmpty)
        let errors = logs.records.filter { $0.level == .error }
        #expect(errors.map { $0.metadata["collector.url"] } == ["\(Self.endpoint(refusing))"])
        #expect(errors.first?.metadata["http.status"] == "401")
    }

    @Test func whenEveryCollectorIsDownTheBatchWaitsWithBothReasons() throws {
        let first = "http://127.0.0.1:\(try CollectorStubServer.unusedPort())"
        let second = "http://127.0.0.1:\(try CollectorStubServer.unusedPort())"
        let queue = InMemoryBatchQueue([Self.batch(1)])
        let (shipper, _) = try Self.makeShipper(urls: [first, second], queue: queue)
        guard case .retryScheduled(_, _, let reason) = shipper.shipOnce(now: Self.start) else {
            Issue.record("expected a retry")
            return
        }
        #expect(reason.contains(first + "/api/v1/batches: "))
        #expect(reason.contains(second + "/api/v1/batches: "))
        #expect(queue.remaining.count == 1 && queue.deadLetters.isEmpty)
    }

    @Test func nothingIsLostWhileTheCollectorIsDownForAWhile() throws {
        let port = try CollectorStubServer.unusedPort()
        let queue = InMemoryBatchQueue((1...5).map { Self.batch($0) })
        let clock = FakeClock(now: Self.start)
        let (shipper, _) = try Self.makeShipper(
            urls: ["http://127.0.0.1:\(port)"], queue: queue, random: .highest, clock: clock,
            idlePollInterval: .seconds(1))

        var server: CollectorStubServer?
        var sleeps: [Duration] = []
        shipper.run(
            until: { queue.remaining.isEmpty || sleeps.count > 100 },
            sleep: { duration in
                sleeps.append(duration)
                clock.advance(by: duration)
                if sleeps.count == 6 { server = try? CollectorStubServer(port: port) }
            })

        let collector = try #require(server)
        #expect(queue.deliveredSequences == [1, 2, 3, 4, 5])
        #expect(queue.deadLetters.isEmpty)
        // Failures after 0, 1 and 3 seconds, each pausing 1, 2, then 4 s; never sleeping longer than the poll.
        #expect(queue.retries.map(\.sequence) == [1, 1, 1])
        #expect(sleeps.allSatisfy { $0 > .zero && $0 <= .seconds(1) })
        #expect(sleeps.count == 7)
        let received = try collector.receivedRequests().map { $0.header("X-Faultline-Batch") }
        #expect(received == (1...5).map { "agent-1:\($0)" })
    }

    @Test func aFailingSpoolPausesShippingWithBackoff() throws {
        let server = try CollectorStubServer()
        let queue = InMemoryBatchQueue([Self.batch(1)])
        queue.failure = "disk I/O error"
        let (shipper, logs) = try Self.makeShipper(urls: [server.baseURL], queue: queue, random: .highest)
        let until = Self.later(Self.start, by: .seconds(1))
        guard case .queueFailed(let reason, until) = shipper.shipOnce(now: Self.start) else {
            Issue.record("expected a spool failure pausing 1 s")
            return
        }
        #expect(reason.contains("disk I/O error"))
        #expect(logs.records.filter { $0.level == .error }.count == 1)
        #expect(shipper.shipOnce(now: Self.start) == .paused(until: until))
        #expect(queue.nextDueCalls == 1)

        queue.failure = nil
        #expect(shipper.shipOnce(now: until) == Self.delivered(1, via: server))
    }

    @Test func anIdleLoopSleepsThePollIntervalBetweenLooks() throws {
        let queue = InMemoryBatchQueue()
        let (shipper, _) = try Self.makeShipper(urls: ["http://127.0.0.1:9"], queue: queue)
        var sleeps: [Duration] = []
        shipper.run(until: { sleeps.count == 3 }, sleep: { sleeps.append($0) })
        #expect(sleeps == [.seconds(30), .seconds(30), .seconds(30)])
        #expect(queue.nextDueCalls == 3)
    }

    @Test func configurationThatCannotWorkIsRefusedByName() throws {
        let queue = InMemoryBatchQueue()
        let cases: [(ShipperConfiguration, String)] = [
            (ShipperConfiguration(collectorURLs: [], token: "t"), "no collector URL"),
            (ShipperConfiguration(collectorURLs: ["collector:8443"], token: "t"), "'collector:8443'"),
            (ShipperConfiguration(collectorURLs: ["https://c/?x=1"], token: "t"), "query"),
            (ShipperConfiguration(collectorURLs: ["https://c"], token: " \n"), "token is empty"),
            (ShipperConfiguration(collectorURLs: ["https://c"], token: "two words"), "token contains"),
            (ShipperConfiguration(collectorURLs: ["https://c"], token: "t", totalTimeout: .zero), "total timeout"),
            (
                ShipperConfiguration(
                    collectorURLs: ["https://c"], token: "t", backoff: Backoff(base: .seconds(10), cap: .seconds(1))),
                "backoff cap"
            ),
        ]
        for (configuration, expected) in cases {
            let error = #expect(throws: ShipperError.self) {
                try Shipper(configuration: configuration, queue: queue, logger: Logger(label: "test"))
            }
            #expect(error?.kind == .invalidConfiguration)
            #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
        }
    }

    @Test func endpointURLsAppendTheBatchesPath() {
        let configuration = ShipperConfiguration(
            collectorURLs: ["https://collector:8443", "https://proxy.example.com/faultline//"], token: "t")
        #expect(
            configuration.endpointURLs == [
                "https://collector:8443/api/v1/batches", "https://proxy.example.com/faultline/api/v1/batches",
            ])
    }

    @Test func plainHTTPToAnotherHostIsWarnedAbout() throws {
        let (logger, logs) = RecordingLogHandler.logger()
        let configuration = ShipperConfiguration(
            collectorURLs: ["http://127.0.0.1:8080", "http://[::1]:8080", "http://collector.example.com"], token: "t")
        _ = try Shipper(configuration: configuration, queue: InMemoryBatchQueue(), logger: logger)
        let warned = logs.records.filter { $0.level == .warning }.compactMap { $0.metadata["collector.url"] }
        #expect(warned == ["http://collector.example.com/api/v1/batches"])
    }
}

/// A clock the test moves by hand.
final class FakeClock {
    /// The current time.
    var now: WireTimestamp

    /// Creates a clock showing `now`.
    init(now: WireTimestamp = WireTimestamp(microseconds: 1_800_000_000_000_000)) {
        self.now = now
    }

    /// Moves the clock forward.
    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        now = WireTimestamp(microseconds: now.microseconds + seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }
}
