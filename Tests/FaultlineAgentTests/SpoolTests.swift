import FaultlineCore
import Foundation
import Testing

@testable import FaultlineAgent

/// The spool on real SQLite files: wire format, atomic commits (including under SIGKILL), bounds, dead letters,
/// and a writer and a shipper working on one file from two threads.
@Suite("Spool")
struct SpoolTests {
    private static let sender = Spool.Sender(
        host: "web-1", version: "0.1.0", bootID: "6c7c6013a8674a9f90e3e1e0d2d7f5b6")
    private static let start = WireTimestamp(microseconds: 1_700_000_000_000_000)
    private static let window = Batch.Window(
        start: start, end: WireTimestamp(microseconds: start.microseconds + 5_000_000))

    private func group(_ template: String, count: Int = 1, samples: Int = 1) -> Batch.Group {
        Batch.Group(
            fingerprint: Fingerprinter.fingerprint(template: template, source: "api.service").description,
            algorithm: Fingerprinter.algorithmVersion, template: template,
            source: Batch.Source(kind: "journald", unit: "api.service", identifier: "api"), severity: "err",
            count: count, firstSeen: Self.start, lastSeen: Self.start,
            samples: (0..<samples).map {
                Batch.Sample(time: Self.start, text: "\(template) #\($0)", cursor: "s=abc;i=\($0)")
            })
    }

    @discardableResult
    private func commit(
        _ spool: Spool, groups: [Batch.Group], health: Batch.Health = .init(), checkpoints: [SourceCheckpoint] = [],
        now: WireTimestamp = SpoolTests.start
    ) throws -> [Batch] {
        try spool.commit(
            window: Self.window, groups: groups, health: health, sender: Self.sender, checkpoints: checkpoints, now: now
        )
    }

    /// Every batch waiting, oldest first, removed as a shipper would.
    private func shipAll(_ spool: Spool) throws -> [(SpooledBatch, Batch)] {
        var shipped: [(SpooledBatch, Batch)] = []
        while let next = try spool.nextDue(now: WireTimestamp(microseconds: .max)) {
            shipped.append((next, try next.decoded()))
            try spool.delivered(sequence: next.sequence)
        }
        return shipped
    }

    // MARK: Wire format

    @Test func theBodyIsGzipJSONWithTheV1FieldNames() throws {
        let directory = try TemporarySpoolDirectory()
        let spool = try Spool(path: directory.file("agent.sqlite"))
        let batches = try commit(
            spool, groups: [group("connection to <ip> refused", count: 42)],
            health: Batch.Health(linesRead: 100, errorsSeen: 42, linesLost: 3))
        let spooled = try #require(try spool.nextDue(now: Self.start))
        #expect(spooled.batchID == batches.first?.batchID)

        let json = try Gzip.decompress(spooled.body, maximumSize: 1 << 20)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(Set(object.keys) == ["schema", "batch_id", "agent", "window", "groups", "health"])
        #expect(object["schema"] as? Int == 1)
        #expect(object["batch_id"] as? String == "\(spool.agentID):1")

        let agent = try #require(object["agent"] as? [String: Any])
        #expect(Set(agent.keys) == ["id", "host", "version", "boot_id"])
        #expect(agent["id"] as? String == spool.agentID)
        #expect(agent["host"] as? String == "web-1")

        let window = try #require(object["window"] as? [String: String])
        #expect(window == ["start": "2023-11-14T22:13:20.000000Z", "end": "2023-11-14T22:13:25.000000Z"])

        let groups = try #require(object["groups"] as? [[String: Any]])
        let group = try #require(groups.first)
        #expect(
            Set(group.keys) == [
                "fingerprint", "algorithm", "template", "source", "severity", "count", "first_seen", "last_seen",
                "samples",
            ])
        #expect(group["count"] as? Int == 42)
        #expect(group["first_seen"] as? String == "2023-11-14T22:13:20.000000Z")
        let source = try #require(group["source"] as? [String: Any])
        #expect(Set(source.keys) == ["kind", "unit", "identifier"])
        let sample = try #require((group["samples"] as? [[String: Any]])?.first)
        #expect(Set(sample.keys) == ["time", "text", "cursor"])

        let health = try #require(object["health"] as? [String: Int])
        #expect(health == ["lines_read": 100, "errors_seen": 42, "lines_lost": 3, "spool_bytes": 0])
    }

    @Test func aHeartbeatHasNoGroupsAndReportsTheWaitingBytes() throws {
        let directory = try TemporarySpoolDirectory()
        let spool = try Spool(path: directory.file("agent.sqlite"))
        try commit(spool, groups: [group("disk full")])
        let waiting = try spool.pendingBytes
        let heartbeat = try #require(try commit(spool, groups: []).first)
        #expect(heartbeat.groups.isEmpty)
        #expect(heartbeat.health.spoolBytes == waiting)

        let shipped = try shipAll(spool)
        let json = try Gzip.decompress(shipped[1].0.body, maximumSize: 1 << 20)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect((object["groups"] as? [Any])?.isEmpty == true)
    }

    @Test func aHeartbeatIsDueAfterTheIntervalWithoutABatch() throws {
        let directory = try TemporarySpoolDirectory()
        let spool = try Spool(path: directory.file("agent.sqlite"))
        #expect(spool.isHeartbeatDue(at: Self.start, interval: .seconds(55)))
        try commit(spool, groups: [], now: Self.start)
        #expect(
            !spool.isHeartbeatDue(
                at: WireTimestamp(microseconds: Self.start.microseconds + 54_999_999), interval: .seconds(55)))
        #expect(
            spool.isHeartbeatDue(
                at: WireTimestamp(microseconds: Self.start.microseconds + 55_000_000), interval: .seconds(55)))
    }

    // MARK: Identity, sequences, checkpoints

    @Test func sequencesIncreaseAndTheAgentIDIsStableAcrossReopening() throws {
        let directory = try TemporarySpoolDirectory()
        let path = directory.file("agent.sqlite")
        let agentID: String
        do {
            let spool = try Spool(path: path)
            agentID = spool.agentID
            #expect(UUID(uuidString: agentID) != nil && agentID == agentID.lowercased())
            let characters = Array(agentID)  // a random UUID: version 4, RFC 9562 variant
            #expect(characters.count == 36 && characters[14] == "4" && "89ab".contains(characters[19]))
            try commit(spool, groups: [group("a")])
            try commit(spool, groups: [group("b")])
            _ = try shipAll(spool)
        }
        let reopened = try Spool(path: path)
        #expect(reopened.agentID == agentID)
        let third = try commit(reopened, groups: [group("c")])
        #expect(third.map(\.batchID) == ["\(agentID):3"])
        #expect(try Spool(path: directory.file("other.sqlite")).agentID != agentID)
    }

    @Test func checkpointsAreUpsertedForgottenAndReloaded() throws {
        let directory = try TemporarySpoolDirectory()
        let path = directory.file("agent.sqlite")
        do {
            let spool = try Spool(path: path)
            #expect(try spool.loadCheckpoints().isEmpty)
            try commit(
                spool, groups: [group("a")],
                checkpoints: [.init(key: "journald", state: "s=1"), .init(key: "file:1:2:ab", state: "10")])
            try spool.commitCheckpointsOnly([.init(key: "journald", state: "s=2")])
            try spool.commitCheckpointsOnly([.init(key: "file:1:3:cd", state: "0")], forgetting: ["file:1:2:ab"])
        }
        let reopened = try Spool(path: path)
        #expect(
            try reopened.loadCheckpoints() == [
                .init(key: "file:1:3:cd", state: "0"), .init(key: "journald", state: "s=2"),
            ])
    }

    @Test func countsOfWindowsWithoutABatchTravelWithTheNextOne() throws {
        let directory = try TemporarySpoolDirectory()
        let path = directory.file("agent.sqlite")
        do {
            let spool = try Spool(path: path)
            try spool.commitCheckpointsOnly([], health: Batch.Health(linesRead: 10, linesLost: 7))
            try spool.commitCheckpointsOnly([], health: Batch.Health(linesRead: 5, errorsSeen: 0, linesLost: 1))
        }
        // The carried counts survive a restart.
        let spool = try Spool(path: path)
        let first = try #require(try commit(spool, groups: [], health: Batch.Health(linesRead: 1, errorsSeen: 1)).first)
        #expect(first.health == Batch.Health(linesRead: 16, errorsSeen: 1, linesLost: 8, spoolBytes: 0))
        let second = try #require(try commit(spool, groups: []).first)
        #expect(second.health.linesRead == 0 && second.health.linesLost == 0)
    }

    @Test func aWindowTooLargeForOneBatchIsSplitWithTheCountsInTheFirst() throws {
        let directory = try TemporarySpoolDirectory()
        let spool = try Spool(path: directory.file("agent.sqlite"), configuration: .init(maximumBatchBytes: 8 << 10))
        let groups = (0..<40).map { group("failure number \($0) of the storm", samples: 3) }
        let batches = try commit(spool, groups: groups, health: Batch.Health(linesRead: 40, errorsSeen: 40))
        #expect(batches.count > 1)
        #expect(batches.flatMap(\.groups) == groups)
        #expect(batches.map(\.health.linesRead) == [40] + Array(repeating: 0, count: batches.count - 1))

        let shipped = try shipAll(spool)
        #expect(shipped.map(\.1) == batches)
        for (spooled, _) in shipped {
            #expect(try Gzip.decompress(spooled.body, maximumSize: 1 << 20).count <= 8 << 10)
        }
    }

    // MARK: Atomicity

    @Test func aFailingCommitWritesNothing() throws {
        let directory = try TemporarySpoolDirectory()
        let path = directory.file("agent.sqlite")
        let spool = try Spool(path: path)
        try commit(spool, groups: [group("a")], checkpoints: [.init(key: "journald", state: "s=1")])

        // Make the second checkpoint's upsert fail, after the batch row and the first checkpoint were written.
        let saboteur = try SQLiteDatabase(path: path)
        try saboteur.execute(
            """
            CREATE TRIGGER refuse_poison BEFORE INSERT ON checkpoints WHEN NEW.key = 'poison'
            BEGIN SELECT RAISE(ABORT, 'injected failure'); END
            """)
        #expect(throws: SpoolError.self) {
            try commit(
                spool, groups: [group("b")], health: Batch.Health(linesLost: 5),
                checkpoints: [.init(key: "journald", state: "s=2"), .init(key: "poison", state: "x")])
        }
        #expect(try spool.loadCheckpoints() == [.init(key: "journald", state: "s=1")])
        #expect(try shipAll(spool).map(\.1.batchID) == ["\(spool.agentID):1"])

        // The sequence was not used up.
        try saboteur.execute("DROP TRIGGER refuse_poison")
        #expect(try commit(spool, groups: [group("b")]).map(\.batchID) == ["\(spool.agentID):2"])
    }

    @Test(.timeLimit(.minutes(2)))
    func aKillAtAnyInstantNeitherLosesNorDoublesALine() async throws {
        let directory = try TemporarySpoolDirectory()
        let path = directory.file("agent.sqlite")
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var progress: [Int] = []
        for _ in 0..<12 {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: executable)
            child.arguments = ["--testing-library", "swift-testing", "--filter", "spoolCrashChild"]
            child.environment = ProcessInfo.processInfo.environment.merging([SpoolCrashChild.environmentKey: path]) {
                $1
            }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...600)))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal, "the child stopped by itself: it failed")
            let spool = try Spool(path: path)
            progress.append(Int(try spool.loadCheckpoints().first?.state ?? "0") ?? 0)
        }
        #expect(progress.last ?? 0 > 0)
        #expect(Set(progress).count > 3, "the kills should land at different points: \(progress)")

        let spool = try Spool(path: path)
        let checkpoints = Dictionary(uniqueKeysWithValues: try spool.loadCheckpoints().map { ($0.key, $0.state) })
        let lastLine = try #require(Int(checkpoints[SpoolCrashChild.lineKey] ?? ""))
        #expect(checkpoints[SpoolCrashChild.mirrorKey] == String(lastLine))
        // A heartbeat collects the counts of the last windows committed without a batch.
        try spool.commit(
            window: Self.window, groups: [], health: .init(), sender: SpoolCrashChild.sender, checkpoints: [])

        let shipped = try shipAll(spool)
        #expect(shipped.map(\.0.sequence) == Array(1...Int64(shipped.count)))
        #expect(shipped.allSatisfy { $0.1.batchID == "\(spool.agentID):\($0.0.sequence)" })
        #expect(shipped.reduce(0) { $0 + $1.1.health.linesRead } == lastLine)
        let sampledLines = shipped.flatMap { $0.1.groups.flatMap(\.samples) }.map { Int($0.text.dropFirst(5))! }
        #expect(Set(sampledLines).count == sampledLines.count, "a line was spooled twice")
        #expect(sampledLines.allSatisfy { $0 >= 1 && $0 <= lastLine })
        #expect(shipped.reduce(0) { $0 + $1.1.health.errorsSeen } == sampledLines.count)
        #expect(shipped.reduce(0) { $0 + $1.1.groups.reduce(0) { $0 + $1.count } } == sampledLines.count)
    }

    // MARK: Bounds

    @Test func isFullFlipsAtTheByteBoundAndBackWhenDelivered() throws {
        let directory = try TemporarySpoolDirectory()
        let path = directory.file("agent.sqlite")
        let first = try #require(try commit(Spool(path: path), groups: [group("a")]).first)
        let firstBytes = try Spool(path: path).pendingBytes
        #expect(firstBytes > 0)

        // Room for one batch of this size, not for two.
        let spool = try Spool(path: path, configuration: .init(maximumBytes: firstBytes * 3 / 2))
        #expect(try !spool.isFull)
        try commit(spool, groups: [group("b")])
        #expect(try spool.pendingBytes > firstBytes * 3 / 2)
        #expect(try spool.isFull)
        let oldest = try #require(try spool.nextDue(now: Self.start))
        #expect(oldest.batchID == first.batchID && oldest.body.count == firstBytes)
        try spool.delivered(sequence: oldest.sequence)
        #expect(try !spool.isFull)
    }

    // MARK: Shipper side

    @Test func retryLaterHidesABatchUntilItsTimeAndCountsTheAttempt() throws {
        let directory = try TemporarySpoolDirectory()
        let spool = try Spool(path: directory.file("agent.sqlite"))
        try commit(spool, groups: [group("a")])
        let batch = try #require(try spool.nextDue(now: Self.start))
        #expect(batch.attempts == 0 && batch.createdAt == Self.start)
        let later = WireTimestamp(microseconds: Self.start.microseconds + 30_000_000)
        try spool.retryLater(sequence: batch.sequence, at: later, error: "HTTP 503")
        #expect(try spool.nextDue(now: Self.start) == nil)
        #expect(try spool.nextAttemptTime() == later)
        #expect(try spool.nextDue(now: later)?.attempts == 1)
    }

    @Test func aDeadLetterMovesTheRowWithItsReason() throws {
        let directory = try TemporarySpoolDirectory()
        let path = directory.file("agent.sqlite")
        let spool = try Spool(path: path)
        try commit(spool, groups: [group("a")])
        try commit(spool, groups: [group("b")])
        let first = try #require(try spool.nextDue(now: Self.start))
        try spool.retryLater(sequence: first.sequence, at: Self.start, error: "HTTP 503")
        let failedAt = WireTimestamp(microseconds: Self.start.microseconds + 1)
        try spool.deadLetter(sequence: first.sequence, reason: "HTTP 400: unknown field", now: failedAt)
        try spool.deadLetter(sequence: 99, reason: "unknown sequences are ignored")

        #expect(try spool.deadLetterCount == 1)
        #expect(try spool.nextDue(now: Self.start)?.sequence == 2)
        let rows = try SQLiteDatabase(path: path).rows(
            "SELECT sequence, batch_id, body, attempts, last_error, reason, failed_at FROM dead_letters")
        #expect(rows.count == 1)
        #expect(rows[0][0] == .integer(first.sequence))
        #expect(rows[0][1] == .text(first.batchID))
        #expect(rows[0][2] == .blob(first.body))
        #expect(rows[0][3] == .integer(2))
        #expect(rows[0][4] == .text("HTTP 503"))
        #expect(rows[0][5] == .text("HTTP 400: unknown field"))
        #expect(rows[0][6] == .integer(failedAt.microseconds))
    }

    @Test func deadLettersAreBoundedKeepingTheNewest() throws {
        let directory = try TemporarySpoolDirectory()
        let spool = try Spool(path: directory.file("agent.sqlite"), configuration: .init(maximumDeadLetterBytes: 1))
        for name in ["a", "b", "c"] { try commit(spool, groups: [group(name)]) }
        for sequence in Int64(1)...3 { try spool.deadLetter(sequence: sequence, reason: "HTTP 422") }
        #expect(try spool.deadLetterCount == 1)

        let roomy = try Spool(path: directory.file("roomy.sqlite"))
        for name in ["a", "b", "c"] { try commit(roomy, groups: [group(name)]) }
        for sequence in Int64(1)...3 { try roomy.deadLetter(sequence: sequence, reason: "HTTP 422") }
        #expect(try roomy.deadLetterCount == 3)
    }

    @Test(.timeLimit(.minutes(2)))
    func aWriterAndAShipperShareTheFileFromTwoThreads() async throws {
        let directory = try TemporarySpoolDirectory()
        let path = directory.file("agent.sqlite")
        let total = 150
        let template = group("concurrent")
        async let written: Int = onThread {
            let spool = try Spool(path: path)
            for index in 1...total {
                try spool.commit(
                    window: Self.window, groups: [template], health: Batch.Health(linesRead: index),
                    sender: Self.sender,
                    checkpoints: [.init(key: "journald", state: String(index))])
            }
            return total
        }
        async let shipped: [Int64] = onThread {
            let spool = try Spool(path: path)
            var sequences: [Int64] = []
            let deadline = Date().addingTimeInterval(60)
            while sequences.count < total, Date() < deadline {
                guard let batch = try spool.nextDue() else {
                    usleep(1000)
                    continue
                }
                sequences.append(batch.sequence)
                try spool.delivered(sequence: batch.sequence)
            }
            return sequences
        }
        #expect(try await written == total)
        #expect(try await shipped == Array(1...Int64(total)))
        let spool = try Spool(path: path)
        #expect(try spool.loadCheckpoints() == [.init(key: "journald", state: String(total))])
        #expect(try spool.pendingBytes == 0)
    }

    /// Runs blocking spool work on its own thread, as the agent does, off the cooperative pool.
    private func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }
}
