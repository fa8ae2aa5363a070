import FaultlineCore
import Foundation
import Testing

@testable import FaultlineAgent

/// Tails real files in a temporary directory, through inotify, with rotations, truncations and restarts.
@Suite("FileTailSource")
struct FileTailSourceTests {
    private typealias Fixture = TailFixture

    // MARK: - Reading

    @Test func appendsAreSeenThroughInotify() throws {
        let fixture = try Fixture()
        try fixture.append("", to: "app.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        #expect(try source.read(maximumEvents: 100, emit: { _ in Issue.record("unexpected event") }) == false)

        try fixture.append(Fixture.lines(1...3), to: "app.log")
        #expect(Fixture.waitForChange(source, milliseconds: 10_000), "no inotify event after an append")
        var events: [LogEvent] = []
        _ = try source.read(maximumEvents: 100) { events.append($0) }
        #expect(Fixture.messages(events) == ["line 1", "line 2", "line 3"])
        #expect(events.map(\.position) == [0, 7, 14].map { .file(path: fixture.path("app.log"), offset: $0) })
        #expect(events[0].source == Batch.Source(kind: "file", path: fixture.path("app.log"), app: "shop"))
        #expect(events[0].identity == "shop")
        #expect(events[0].severity == nil && !events[0].truncated)
        #expect(source.linesRead == 3)
        #expect(source.linesLost == 0)
    }

    @Test func aFileThatExistsAtFirstStartIsReadFromItsLastLine() throws {
        let fixture = try Fixture()
        try fixture.append(Fixture.lines(1...5) + "line 6 still being writ", to: "app.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        try fixture.append("ten\n", to: "app.log")
        try fixture.append(Fixture.lines(7...8), to: "app.log")
        let events = try Fixture.collect(from: source) { $0.count >= 3 }
        #expect(Fixture.messages(events) == ["line 6 still being written", "line 7", "line 8"])
    }

    @Test func readFromBeginningReadsExistingFilesWhole() throws {
        let fixture = try Fixture()
        try fixture.append(Fixture.lines(1...5), to: "app.log")
        let source = try FileTailSource(
            configuration: fixture.configuration(readFromBeginning: true), checkpoints: [])
        let events = try Fixture.collect(from: source) { $0.count >= 5 }
        #expect(Fixture.numbers(events) == Array(1...5))
    }

    @Test func aNewFileMatchingTheGlobIsReadFromItsBeginning() throws {
        let fixture = try Fixture()
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        try fixture.append("not matched\n", to: "notes.txt")
        try fixture.append(Fixture.lines(1...4), to: "late.log")
        let events = try Fixture.collect(from: source) { $0.count >= 4 }
        #expect(Fixture.numbers(events) == Array(1...4))
        #expect(events.allSatisfy { $0.source.path == fixture.path("late.log") })
        #expect(source.openFileCount == 1)
    }

    @Test func theRescanFindsFilesInADirectoryCreatedAfterTheStart() throws {
        let fixture = try Fixture()
        var configuration = fixture.configuration(rescanInterval: .seconds(10))
        configuration.globs = [fixture.path("later/*.log")]
        let start = ContinuousClock.now
        let source = try FileTailSource(configuration: configuration, checkpoints: [], now: start)
        try FileManager.default.createDirectory(atPath: fixture.path("later"), withIntermediateDirectories: false)
        try fixture.append(Fixture.lines(1...2), to: "later/app.log")
        var events: [LogEvent] = []
        // Nothing watches a directory that did not exist: only the rescan can find it.
        _ = try source.read(maximumEvents: 100) { events.append($0) }
        #expect(events.isEmpty)
        source.rescanIfDue(now: start + .seconds(5))
        _ = try source.read(maximumEvents: 100) { events.append($0) }
        #expect(events.isEmpty)
        source.rescanIfDue(now: start + .seconds(10))
        _ = try source.read(maximumEvents: 100) { events.append($0) }
        #expect(Fixture.numbers(events) == [1, 2])
        // From then on the new directory is watched.
        try fixture.append(Fixture.lines(3...3), to: "later/app.log")
        try Fixture.collect(from: source, into: &events) { $0.count >= 3 }
    }

    @Test func excludedFilesAreNotRead() throws {
        let fixture = try Fixture()
        var configuration = fixture.configuration()
        configuration.globs = [fixture.path("*")]
        let source = try FileTailSource(configuration: configuration, checkpoints: [])
        try fixture.append("compressed\n", to: "old.log.gz")
        try fixture.append("plain\n", to: "app.log")
        let events = try Fixture.collect(from: source) { $0.count >= 1 }
        #expect(Fixture.messages(events) == ["plain"])
        #expect(source.openFileCount == 1)
    }

    @Test func aTenMegabyteLineIsTruncatedAndDoesNotStallTheFile() throws {
        let fixture = try Fixture()
        let source = try FileTailSource(
            configuration: fixture.configuration(maximumLineBytes: 1000), checkpoints: [])
        try fixture.append("before\n", to: "app.log")
        // Written in two halves, so that the line spans reads as well as chunks.
        let half = Data(repeating: UInt8(ascii: "x"), count: 5 * 1024 * 1024)
        try fixture.append(half, to: "app.log")
        var events = try Fixture.collect(from: source) { $0.count >= 1 }
        try fixture.append(half + Data("\nafter\r\n".utf8), to: "app.log")
        try Fixture.collect(from: source, into: &events) { $0.count >= 3 }

        #expect(events.count == 3)
        #expect(Fixture.messages(events).first == "before")
        #expect(events[1].message == [UInt8](repeating: UInt8(ascii: "x"), count: 1000))
        #expect(events[1].truncated)
        #expect(events[1].position == .file(path: fixture.path("app.log"), offset: 7))
        #expect(Fixture.messages(events).last == "after")
        #expect(!events[2].truncated)
        #expect(events[2].position == .file(path: fixture.path("app.log"), offset: 7 + 10 * 1024 * 1024 + 1))
    }

    @Test func aSmallBudgetReadsEverythingInSeveralCalls() throws {
        let fixture = try Fixture()
        try fixture.append("", to: "a.log")
        try fixture.append("", to: "b.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        try fixture.append(Fixture.lines(1...50, prefix: "a"), to: "a.log")
        try fixture.append(Fixture.lines(1...50, prefix: "b"), to: "b.log")
        let events = try Fixture.collect(from: source, maximumEvents: 7) { $0.count >= 100 }
        #expect(Fixture.numbers(events, prefix: "a") == Array(1...50))
        #expect(Fixture.numbers(events, prefix: "b") == Array(1...50))
    }

    // MARK: - Multiline

    @Test func stackTracesInAFileAreOneEventEach() throws {
        let fixture = try Fixture()
        try fixture.append("", to: "app.log")
        let source = try FileTailSource(
            configuration: fixture.configuration(multiline: MultilineConfiguration(maximumWait: .milliseconds(200))),
            checkpoints: [])
        let java = MultilineAssemblerTests.javaTrace.joined(separator: "\n")
        let python = MultilineAssemblerTests.pythonTrace.joined(separator: "\n")
        let go = MultilineAssemblerTests.goPanic.joined(separator: "\n")
        let logged = [
            "12:00:00 ERROR c.e.Billing - charge failed", "java.lang.IllegalStateException: card expired",
            "\tat com.example.Billing.charge(Billing.java:31)",
        ].joined(separator: "\n")
        let expectedMessages = ["INFO start", java, python, go, logged, "INFO end"]
        try fixture.append(expectedMessages.joined(separator: "\n") + "\r\n", to: "app.log")
        let events = try Fixture.collect(from: source) { $0.count >= 6 }
        #expect(Fixture.messages(events) == expectedMessages)
        let offsets = events.map { event -> Int64 in
            guard case .file(_, let offset) = event.position else { return -1 }
            return offset
        }
        let expected = expectedMessages.dropLast().reduce(into: [Int64(0)]) {
            $0.append($0.last! + Int64($1.utf8.count + 1))
        }
        #expect(offsets == expected)
    }

    // MARK: - Rotation

    @Test func renameRotationUnderAWriterLosesAndRepeatsNothing() throws {
        let fixture = try Fixture()
        let path = fixture.path("app.log")
        try fixture.append("", to: "app.log")
        let source = try FileTailSource(
            configuration: fixture.configuration(rotatedFileGracePeriod: .seconds(2)), checkpoints: [])
        let count = 3000
        let writer = RotatingLineWriter(path: path, count: count, rotateEvery: 700, lateLines: 5)
        let events = try Fixture.collect(from: source, timeout: .seconds(60)) {
            $0.count >= count && writer.isFinished
        }
        #expect(writer.problem == nil)
        #expect(events.count == count)
        #expect(Fixture.numbers(events).sorted() == Array(1...count))
        #expect(events.allSatisfy { $0.source.path == path })
        #expect(source.linesLost == 0)
        // The renamed files are closed once drained and quiet; only app.log stays open.
        try Fixture.collect(from: source, timeout: .seconds(20)) { _ in source.openFileCount == 1 }
        #expect(source.checkpoints().count == 2)
    }

    @Test func aWriterThatNeverReopensIsFollowedIntoTheRenamedFile() throws {
        let fixture = try Fixture()
        let path = fixture.path("app.log")
        try fixture.append("", to: "app.log")
        let writer = try FileHandle(forWritingTo: URL(fileURLWithPath: path, isDirectory: false))
        let source = try FileTailSource(
            configuration: fixture.configuration(rotatedFileGracePeriod: .milliseconds(100)), checkpoints: [])
        try writer.write(contentsOf: Data(Fixture.lines(1...3).utf8))
        var events = try Fixture.collect(from: source) { $0.count >= 3 }

        // Renamed with no new file and no signal: the writer goes on writing to app.log.1, long after the
        // grace period.
        try FileManager.default.moveItem(atPath: path, toPath: fixture.path("app.log.1"))
        let later = ContinuousClock.now + .seconds(1)
        try Fixture.collect(from: source, into: &events) { _ in ContinuousClock.now >= later }
        #expect(source.openFileCount == 1)
        #expect(source.nextDeadline > ContinuousClock.now, "a file kept open must not make the poll loop spin")
        try writer.write(contentsOf: Data(Fixture.lines(4...5).utf8))
        try Fixture.collect(from: source, into: &events) { $0.count >= 5 }

        // Once a new app.log receives lines, the old file is finished and closed.
        try writer.close()
        try fixture.append(Fixture.lines(6...6), to: "app.log")
        try Fixture.collect(from: source, into: &events) { $0.count >= 6 && source.openFileCount == 1 }
        #expect(Fixture.numbers(events) == Array(1...6))
        #expect(source.linesLost == 0)
    }

    @Test func copytruncateReadsTheRestFromTheCopyThenRestartsAtZero() throws {
        let fixture = try Fixture()
        try fixture.append("", to: "app.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        try fixture.append(Fixture.lines(1...10), to: "app.log")
        var events = try Fixture.collect(from: source) { $0.count >= 10 }

        // logrotate's copytruncate: lines 11 and 12 are written, then copied and truncated away before the
        // source reads them.
        try fixture.append(Fixture.lines(11...12), to: "app.log")
        try FileManager.default.copyItem(atPath: fixture.path("app.log"), toPath: fixture.path("app.log.1"))
        #expect(truncate(fixture.path("app.log"), 0) == 0)
        try fixture.append(Fixture.lines(13...14), to: "app.log")
        try Fixture.collect(from: source, into: &events) { $0.count >= 14 }

        #expect(Fixture.numbers(events) == Array(1...14))
        #expect(events.last?.position == .file(path: fixture.path("app.log"), offset: 8))
        #expect(source.linesLost == 0)
        #expect(source.takeProblems().isEmpty)
    }

    @Test func aTruncationWithoutACopyRestartsAtZeroAndCountsTheGap() throws {
        let fixture = try Fixture()
        try fixture.append("", to: "app.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        try fixture.append(Fixture.lines(1...10), to: "app.log")
        var events = try Fixture.collect(from: source) { $0.count >= 10 }

        try fixture.append(Fixture.lines(11...12), to: "app.log")
        #expect(truncate(fixture.path("app.log"), 0) == 0)
        try fixture.append(Fixture.lines(13...14), to: "app.log")
        try Fixture.collect(from: source, into: &events) { $0.count >= 12 }

        #expect(Fixture.numbers(events) == Array(1...10) + [13, 14])
        #expect(events.last?.position == .file(path: fixture.path("app.log"), offset: 8))
        #expect(source.linesLost == 1)
        #expect(source.takeProblems().map(\.kind) == [.truncated])
    }

    @Test func aTruncationHiddenByNewerLongerContentIsStillNoticed() throws {
        let fixture = try Fixture()
        try fixture.append("", to: "app.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        try fixture.append(Fixture.lines(1...3), to: "app.log")
        var events = try Fixture.collect(from: source) { $0.count >= 3 }

        // Truncated and rewritten past the old size before the source reads again: the size alone would say
        // nothing happened.
        #expect(truncate(fixture.path("app.log"), 0) == 0)
        try fixture.append(Fixture.lines(1...20, prefix: "new"), to: "app.log")
        try Fixture.collect(from: source, into: &events) { $0.count >= 23 }
        #expect(Fixture.numbers(events, prefix: "new") == Array(1...20))
        #expect(source.linesLost == 1)
    }

    @Test func aFileDeletedWhileOpenIsReadToItsEndThenClosed() throws {
        let fixture = try Fixture()
        let path = fixture.path("app.log")
        try fixture.append("", to: "app.log")
        let writer = try FileHandle(forWritingTo: URL(fileURLWithPath: path, isDirectory: false))
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        try writer.write(contentsOf: Data(Fixture.lines(1...3).utf8))
        var events = try Fixture.collect(from: source) { $0.count >= 3 }

        try FileManager.default.removeItem(atPath: path)
        try writer.write(contentsOf: Data(Fixture.lines(4...6).utf8))
        try Fixture.collect(from: source, into: &events) { $0.count >= 6 }
        #expect(Fixture.numbers(events) == Array(1...6))

        try writer.close()
        try Fixture.collect(from: source, into: &events) { _ in source.openFileCount == 0 }
        #expect(source.checkpoints().count == 1, "only the marker row is left")
        #expect(source.linesLost == 0)
    }

    // MARK: - Restart

    @Test func aRestartFromCheckpointsContinuesExactlyWhereItStopped() throws {
        let fixture = try Fixture()
        try fixture.append("", to: "app.log")
        var checkpoints: [SourceCheckpoint]
        var events: [LogEvent] = []
        do {
            let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
            try fixture.append(Fixture.lines(1...100), to: "app.log")
            #expect(Fixture.waitForChange(source, milliseconds: 10_000))
            // One call with a budget of 40 stops in the middle of the file.
            #expect(try source.read(maximumEvents: 40) { events.append($0) })
            checkpoints = source.checkpoints()
        }
        #expect(events.count == 40)
        try fixture.append(Fixture.lines(101...120), to: "app.log")

        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: checkpoints)
        try Fixture.collect(from: source, into: &events) { $0.count >= 120 }
        #expect(Fixture.numbers(events) == Array(1...120))
        #expect(source.linesLost == 0)
        #expect(source.takeProblems().isEmpty)
    }

    @Test func aLineWithoutItsLineBreakIsNotCheckpointed() throws {
        let fixture = try Fixture()
        try fixture.append("", to: "app.log")
        let checkpoints: [SourceCheckpoint]
        do {
            let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
            try fixture.append("line 1\nline 2 is half wri", to: "app.log")
            try Fixture.collect(from: source) { $0.count >= 1 }
            checkpoints = source.checkpoints()
        }
        #expect(checkpoints.compactMap(FileCheckpointState.init).first?.offset == 7)
        try fixture.append("tten\n", to: "app.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: checkpoints)
        let events = try Fixture.collect(from: source) { $0.count >= 1 }
        #expect(Fixture.messages(events) == ["line 2 is half written"])
        #expect(events[0].position == .file(path: fixture.path("app.log"), offset: 7))
    }

    @Test func aPendingTraceIsReadAgainAfterARestartAndEmittedOnce() throws {
        let fixture = try Fixture()
        try fixture.append("", to: "app.log")
        let configuration = fixture.configuration(multiline: MultilineConfiguration(maximumWait: .seconds(3600)))
        let trace = MultilineAssemblerTests.javaTrace
        var checkpoints: [SourceCheckpoint]
        var events: [LogEvent] = []
        do {
            let source = try FileTailSource(configuration: configuration, checkpoints: [])
            try fixture.append((["INFO before"] + trace).joined(separator: "\n") + "\n", to: "app.log")
            try Fixture.collect(from: source, into: &events) { $0.count >= 1 }
            // The trace is still waiting for a next line: the checkpoint must stay at its first line.
            checkpoints = source.checkpoints()
        }
        #expect(Fixture.messages(events) == ["INFO before"])
        let state = try #require(checkpoints.compactMap(FileCheckpointState.init).first)
        #expect(state.offset == Int64("INFO before\n".utf8.count))

        try fixture.append("INFO after\n", to: "app.log")
        let source = try FileTailSource(configuration: configuration, checkpoints: checkpoints)
        try Fixture.collect(from: source, into: &events) { $0.count >= 2 }
        #expect(Fixture.messages(events) == ["INFO before", trace.joined(separator: "\n")])
    }

    @Test func aFileCreatedWhileStoppedIsReadFromItsBeginning() throws {
        let fixture = try Fixture()
        try fixture.append("old\n", to: "app.log")
        let checkpoints = try FileTailSource(configuration: fixture.configuration(), checkpoints: []).checkpoints()
        try fixture.append(Fixture.lines(1...3), to: "new.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: checkpoints)
        let events = try Fixture.collect(from: source) { $0.count >= 3 }
        #expect(Fixture.numbers(events) == Array(1...3))
    }

    @Test func aFileRotatedWhileStoppedIsFoundByItsInodeAndFinished() throws {
        let fixture = try Fixture()
        try fixture.append(Fixture.lines(1...5), to: "app.log")
        let configuration = fixture.configuration(readFromBeginning: true)
        var events: [LogEvent] = []
        let checkpoints: [SourceCheckpoint]
        do {
            let source = try FileTailSource(configuration: configuration, checkpoints: [])
            try Fixture.collect(from: source, into: &events) { $0.count >= 5 }
            checkpoints = source.checkpoints()
        }
        try fixture.append(Fixture.lines(6...8), to: "app.log")
        try FileManager.default.moveItem(atPath: fixture.path("app.log"), toPath: fixture.path("app.log.1"))
        try fixture.append(Fixture.lines(9...10), to: "app.log")

        let source = try FileTailSource(configuration: configuration, checkpoints: checkpoints)
        try Fixture.collect(from: source, into: &events) { $0.count >= 10 }
        #expect(Fixture.numbers(events).sorted() == Array(1...10))
        #expect(events.allSatisfy { $0.source.path == fixture.path("app.log") })
        #expect(source.linesLost == 0)
        try Fixture.collect(from: source) { _ in source.openFileCount == 1 }
    }

    @Test func aTruncationWhileStoppedIsDetectedByTheHashBeforeTheOffset() throws {
        let fixture = try Fixture()
        try fixture.append(Fixture.lines(1...100), to: "app.log")
        let configuration = fixture.configuration(readFromBeginning: true)
        let checkpoints: [SourceCheckpoint]
        do {
            let source = try FileTailSource(configuration: configuration, checkpoints: [])
            try Fixture.collect(from: source) { $0.count >= 100 }
            checkpoints = source.checkpoints()
        }
        // Rewritten with the same first 50 lines (the same head) and other lines after them, longer than
        // before: neither the size nor the head can tell, only the hash of the bytes before the offset.
        #expect(truncate(fixture.path("app.log"), 0) == 0)
        try fixture.append(Fixture.lines(1...50) + Fixture.lines(1...100, prefix: "other"), to: "app.log")

        let source = try FileTailSource(configuration: configuration, checkpoints: checkpoints)
        let events = try Fixture.collect(from: source) { $0.count >= 150 }
        #expect(Fixture.numbers(events) == Array(1...50))
        #expect(Fixture.numbers(events, prefix: "other") == Array(1...100))
        #expect(source.linesLost == 1)
        #expect(source.takeProblems().map(\.kind) == [.truncated])
    }

    @Test func aReusedInodeIsToldApartByTheFirstBytes() throws {
        let fixture = try Fixture()
        try fixture.append(Fixture.lines(1...10, prefix: "first"), to: "app.log")
        let configuration = fixture.configuration(readFromBeginning: true)
        var checkpoints: [SourceCheckpoint]
        do {
            let source = try FileTailSource(configuration: configuration, checkpoints: [])
            try Fixture.collect(from: source) { $0.count >= 10 }
            checkpoints = source.checkpoints()
        }
        let oldInode = try fixture.inode("app.log")
        try FileManager.default.removeItem(atPath: fixture.path("app.log"))
        // ext4 and xfs hand a freed inode to the next file; on a filesystem that does not, aim the checkpoint at
        // the new file's inode, which is what a reuse looks like to the source.
        try fixture.append(Fixture.lines(1...40, prefix: "second"), to: "app.log")
        let newInode = try fixture.inode("app.log")
        if newInode != oldInode {
            checkpoints = checkpoints.map { checkpoint in
                guard var state = FileCheckpointState(checkpoint) else { return checkpoint }
                state.identity.inode = newInode
                return state.checkpoint
            }
        }

        let source = try FileTailSource(configuration: configuration, checkpoints: checkpoints)
        let events = try Fixture.collect(from: source) { $0.count >= 40 }
        #expect(Fixture.numbers(events, prefix: "second") == Array(1...40))
        #expect(source.linesLost == 1)
        #expect(source.takeProblems().map(\.kind) == [.fileReplaced])
        let newKey = try #require(source.checkpoints().first { $0.key.hasPrefix("file:") }?.key)
        #expect(!checkpoints.contains { $0.key == newKey }, "the new file gets a key of its own")
    }

    @Test func aCheckpointedFileThatIsGoneIsCountedLost() throws {
        let fixture = try Fixture()
        try fixture.append(Fixture.lines(1...3), to: "app.log")
        let checkpoints = try FileTailSource(configuration: fixture.configuration(), checkpoints: []).checkpoints()
        try FileManager.default.removeItem(atPath: fixture.path("app.log"))
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: checkpoints)
        #expect(source.linesLost == 1)
        #expect(source.takeProblems().map(\.kind) == [.fileMissing])
        #expect(source.checkpoints().count == 1)
    }

    @Test func checkpointsOfOtherGlobsAreNotOwned() throws {
        let fixture = try Fixture()
        try fixture.append("x\n", to: "app.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        let own = source.checkpoints()
        #expect(own.allSatisfy(source.owns))
        let foreign = SourceCheckpoint(key: "file:1:2:0000000000000000", state: "1 0 0:0 0:0 /elsewhere/app.log")
        #expect(!source.owns(foreign))
        #expect(!source.owns(SourceCheckpoint(key: "journald", state: "s=1")))
    }

    @Test func theCheckpointStateIsCompactAndRoundTrips() throws {
        let fixture = try Fixture()
        try fixture.append(Fixture.lines(1...3), to: "app.log")
        let source = try FileTailSource(configuration: fixture.configuration(), checkpoints: [])
        let checkpoint = try #require(source.checkpoints().first { $0.key.hasPrefix("file:") })
        let inode = try fixture.inode("app.log")
        #expect(checkpoint.key.split(separator: ":")[2] == "\(inode)")
        #expect(checkpoint.state.hasPrefix("1 21 21:"))
        #expect(checkpoint.state.hasSuffix(" " + fixture.path("app.log")))
        #expect(FileCheckpointState(checkpoint)?.checkpoint == checkpoint)
    }

    @Test func invalidGlobsAreRejected() {
        #expect(throws: FileSourceError.self) {
            try FileTailSource(configuration: FileSourceConfiguration(globs: ["relative/*.log"]), checkpoints: [])
        }
        #expect(throws: FileSourceError.self) {
            try FileTailSource(configuration: FileSourceConfiguration(globs: []), checkpoints: [])
        }
    }
}
