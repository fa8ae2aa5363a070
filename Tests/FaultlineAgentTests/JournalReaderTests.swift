import Foundation
import Testing

@testable import FaultlineAgent

/// Reads real journal files that systemd-journal-remote wrote, through `JournalReader(directory:)`.
@Suite("JournalReader")
struct JournalReaderTests {
    private func messages(_ reader: JournalReader) throws -> [String] {
        var texts: [String] = []
        while let entry = try reader.next() {
            texts.append(entry.messageText)
        }
        return texts
    }

    private func allEntries(_ reader: JournalReader) throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        while let entry = try reader.next() {
            entries.append(entry)
        }
        return entries
    }

    @Test func readsTheKeptFieldsOfEveryEntry() throws {
        let journal = try JournalExportWriter()
        try journal.write(
            [
                .init(
                    "connection refused",
                    unit: "api.service",
                    identifier: "api",
                    priority: 3,
                    pid: 4242,
                    hostname: "web-1"
                ),
                .init("bare"),
            ],
            to: "system.journal"
        )
        let reader = try JournalReader(directory: journal.directory.path)
        try reader.seekToHead()

        let first = try #require(try reader.next())
        #expect(first.messageText == "connection refused")
        #expect(first.priority == 3)
        #expect(first.unit == "api.service")
        #expect(first.identifier == "api")
        #expect(first.pid == 4242)
        #expect(first.hostname == "web-1")
        #expect(first.bootID == JournalExportWriter.bootID)
        #expect(first.realtimeMicroseconds == JournalExportWriter.realtime(ofEntry: 0))
        #expect(first.cursor.hasPrefix("s="))
        #expect(first.cursor.contains("b=\(JournalExportWriter.bootID)"))

        let second = try #require(try reader.next())
        #expect(second.messageText == "bare")
        #expect(second.priority == nil && second.unit == nil && second.identifier == nil && second.pid == nil)
        #expect(second.cursor != first.cursor)
        #expect(try reader.next() == nil)
    }

    @Test func filtersUnitsOrIdentifiersAndPriority() throws {
        let journal = try JournalExportWriter()
        try journal.write(
            [
                .init("a err", unit: "a.service", priority: 3),
                .init("b crit", unit: "b.service", priority: 2),
                .init("a info", unit: "a.service", priority: 6),
                .init("c err", unit: "c.service", priority: 3),
                .init("cron err", identifier: "cron", priority: 3),
                .init("cron notice", identifier: "cron", priority: 5),
                .init("a without priority", unit: "a.service"),
            ],
            to: "system.journal"
        )
        let reader = try JournalReader(directory: journal.directory.path)

        try reader.apply(JournalFilter(units: ["a.service", "b.service"], identifiers: ["cron"], maximumPriority: 3))
        try reader.seekToHead()
        #expect(try messages(reader) == ["a err", "b crit", "cron err"])

        try reader.apply(JournalFilter(units: ["a.service"]))
        try reader.seekToHead()
        #expect(try messages(reader) == ["a err", "a info", "a without priority"])

        try reader.apply(JournalFilter(identifiers: ["cron"]))
        try reader.seekToHead()
        #expect(try messages(reader) == ["cron err", "cron notice"])

        try reader.apply(JournalFilter(maximumPriority: 2))
        try reader.seekToHead()
        #expect(try messages(reader) == ["b crit"])

        try reader.apply(JournalFilter())
        try reader.seekToHead()
        #expect(try messages(reader).count == 7)
    }

    @Test func rejectsAPriorityOutsideTheSyslogRangeAndKeepsTheOldFilter() throws {
        let journal = try JournalExportWriter()
        try journal.write([.init("a", unit: "a.service", priority: 3), .init("b", priority: 3)], to: "x.journal")
        let reader = try JournalReader(directory: journal.directory.path)
        try reader.apply(JournalFilter(units: ["a.service"]))

        let error = try #require(throws: JournalError.self) {
            try reader.apply(JournalFilter(maximumPriority: 8))
        }
        #expect(error.kind == .invalidFilter)
        #expect(error.description.contains("0 (emerg) to 7 (debug)"))

        try reader.seekToHead()
        #expect(try messages(reader) == ["a"])
    }

    @Test func resumesAfterACheckpointedCursor() throws {
        let journal = try JournalExportWriter()
        try journal.write((1...5).map { .init("line \($0)", unit: "api.service", priority: 3) }, to: "x.journal")
        let cursors = try {
            let reader = try JournalReader(directory: journal.directory.path)
            try reader.seekToHead()
            return try allEntries(reader).map(\.cursor)
        }()
        #expect(cursors.count == 5)

        let reader = try JournalReader(directory: journal.directory.path)
        #expect(try reader.seek(toCursor: cursors[1]) == .found)
        #expect(try messages(reader) == ["line 3", "line 4", "line 5"])

        #expect(try reader.seek(toCursor: cursors[4]) == .found)
        #expect(try reader.next() == nil)
    }

    @Test func aChangedFilterIsNotMistakenForAGap() throws {
        let journal = try JournalExportWriter()
        try journal.write(
            [
                .init("api 1", unit: "api.service", priority: 3),
                .init("worker 1", unit: "worker.service", priority: 3),
                .init("api 2", unit: "api.service", priority: 3),
            ],
            to: "x.journal"
        )
        let reader = try JournalReader(directory: journal.directory.path)
        try reader.seekToHead()
        let checkpoint = try allEntries(reader)[1].cursor

        // The checkpoint was taken on a worker entry; the new filter only wants api.service.
        let resumed = try JournalReader(directory: journal.directory.path)
        try resumed.apply(JournalFilter(units: ["api.service"]))
        #expect(try resumed.seek(toCursor: checkpoint) == .found)
        #expect(try messages(resumed) == ["api 2"])
    }

    @Test func reportsACheckpointWhoseFileWasVacuumed() throws {
        let journal = try JournalExportWriter()
        try journal.write((1...3).map { .init("old \($0)", priority: 3) }, to: "system@1.journal")
        try journal.write((1...2).map { .init("new \($0)", priority: 3) }, to: "system.journal")
        let reader = try JournalReader(directory: journal.directory.path)
        try reader.seekToHead()
        let checkpoint = try allEntries(reader)[1].cursor

        try journal.remove("system@1.journal")
        let resumed = try JournalReader(directory: journal.directory.path)
        let result = try resumed.seek(toCursor: checkpoint)
        // Two files of different sequences: the size of the gap cannot be known.
        #expect(result == .entryMissing(lostAtMost: nil))
        #expect(try messages(resumed) == ["new 1", "new 2"])
    }

    @Test func reportsAVacuumedCheckpointWithAFilterToo() throws {
        let journal = try JournalExportWriter()
        try journal.write([.init("old", unit: "api.service", priority: 3)], to: "system@1.journal")
        try journal.write(
            [.init("other", unit: "db.service", priority: 3), .init("new", unit: "api.service", priority: 3)],
            to: "system.journal"
        )
        let reader = try JournalReader(directory: journal.directory.path)
        try reader.seekToHead()
        let checkpoint = try #require(try reader.next()).cursor

        try journal.remove("system@1.journal")
        let resumed = try JournalReader(directory: journal.directory.path)
        try resumed.apply(JournalFilter(units: ["api.service"]))
        #expect(try resumed.seek(toCursor: checkpoint) == .entryMissing(lostAtMost: nil))
        #expect(try messages(resumed) == ["new"])
    }

    @Test func boundsTheGapWithinOneSequence() {
        let checkpoint = "s=24b1cb9dca924f4d9ef5d9273f444157;i=1a;b=6c7c;m=3e8;t=60a24181e4000;x=5d70f0ff781369d1"
        let sameSequence = "s=24b1cb9dca924f4d9ef5d9273f444157;i=20;b=6c7c;m=7d0;t=60a24182d8240;x=135890fe044c3756"
        let otherSequence = "s=ffffcb9dca924f4d9ef5d9273f444157;i=20;b=6c7c;m=7d0;t=60a24182d8240;x=135890fe044c3756"
        #expect(JournalReader.lostEntries(from: checkpoint, to: sameSequence) == 5)
        #expect(JournalReader.lostEntries(from: checkpoint, to: otherSequence) == nil)
        #expect(JournalReader.lostEntries(from: "garbage", to: sameSequence) == nil)
    }

    @Test func rejectsSomethingThatIsNotACursor() throws {
        let journal = try JournalExportWriter()
        try journal.write([.init("a")], to: "x.journal")
        let reader = try JournalReader(directory: journal.directory.path)
        let error = try #require(throws: JournalError.self) {
            try reader.seek(toCursor: "not a cursor")
        }
        #expect(error.kind == .invalidCursor)
        #expect(error.description.contains("sd_journal_seek_cursor"))
    }

    @Test func seeksToARealtimeTimestamp() throws {
        let journal = try JournalExportWriter()
        try journal.write((0...3).map { .init("at \($0)") }, to: "x.journal")
        let reader = try JournalReader(directory: journal.directory.path)
        try reader.seek(toRealtimeMicroseconds: JournalExportWriter.realtime(ofEntry: 2))
        #expect(try messages(reader) == ["at 2", "at 3"])
    }

    @Test func tailCursorsNameTheNewestTwoEntriesWithOrWithoutAFilter() throws {
        let journal = try JournalExportWriter()
        let reader = try JournalReader(directory: journal.directory.path)
        #expect(try reader.tailCursors() == nil)

        try journal.write([.init("only", unit: "api.service", priority: 3)], to: "system@1.journal")
        _ = try reader.process()
        let only = try #require(try reader.tailCursors())
        #expect(only.beforeNewest == nil)

        try journal.write(
            [.init("api", unit: "api.service", priority: 3), .init("db", unit: "db.service", priority: 6)],
            to: "system.journal"
        )
        _ = try reader.process()
        try reader.seekToHead()
        let cursors = try allEntries(reader).map(\.cursor)
        #expect(try reader.tailCursors() == .init(newest: cursors[2], beforeNewest: cursors[1]))

        try reader.apply(JournalFilter(units: ["api.service"]))
        #expect(try reader.tailCursors() == .init(newest: cursors[1], beforeNewest: cursors[0]))
        #expect(only.newest == cursors[0])
    }

    @Test func tailReturnsOnlyEntriesAppendedLater() throws {
        let journal = try JournalExportWriter()
        try journal.write((1...3).map { .init("before \($0)", priority: 3) }, to: "system.journal")
        let reader = try JournalReader(directory: journal.directory.path)
        try reader.seekToTail()
        #expect(try reader.next() == nil)

        try journal.write([.init("appended 1", priority: 3), .init("appended 2", priority: 3)], to: "system.journal")
        #expect(try reader.wait(timeout: .seconds(5)) != .none)
        #expect(try messages(reader) == ["appended 1", "appended 2"])

        // A new file in the directory, as after rotation.
        try journal.write([.init("rotated", priority: 3)], to: "system@2.journal")
        #expect(try reader.wait(timeout: .seconds(5)) != .none)
        #expect(try messages(reader) == ["rotated"])
        #expect(try reader.wait(timeout: .milliseconds(50)) == .none)
    }

    @Test func tailWithAFilterThatMatchesNothingYet() throws {
        let journal = try JournalExportWriter()
        try journal.write([.init("noise", unit: "db.service", priority: 6)], to: "system.journal")
        let reader = try JournalReader(directory: journal.directory.path)
        try reader.apply(JournalFilter(units: ["api.service"], maximumPriority: 3))
        try reader.seekToTail()
        #expect(try reader.next() == nil)

        try journal.write(
            [.init("more noise", unit: "db.service", priority: 3), .init("wanted", unit: "api.service", priority: 3)],
            to: "system.journal"
        )
        _ = try reader.wait(timeout: .seconds(5))
        #expect(try messages(reader) == ["wanted"])
    }

    @Test func keepsBinaryAndMultilineMessagesByteForByte() throws {
        let binary: [UInt8] = Array("line one\nline two\n".utf8) + [0, 0xff, 0xfe, 0x0a, 0x41]
        let journal = try JournalExportWriter()
        try journal.write([.init(bytes: binary, unit: "api.service", priority: 3)], to: "x.journal")
        let reader = try JournalReader(files: [journal.path("x.journal")])
        try reader.seekToHead()
        let entry = try #require(try reader.next())
        #expect(entry.message == binary)
        #expect(entry.unit == "api.service")
    }

    @Test func returnsLargeMessagesWholeUnlessALimitIsSet() throws {
        // Repetitive, so that journal-remote stores it compressed, where libsystemd's data threshold applies.
        let large = String(repeating: "Caused by: java.io.IOException: broken pipe\n", count: 5_000)
        let journal = try JournalExportWriter()
        try journal.write([.init(large, priority: 3)], to: "x.journal")

        let whole = try JournalReader(directory: journal.directory.path)
        try whole.seekToHead()
        #expect(try #require(try whole.next()).message.count == large.utf8.count)

        let capped = try JournalReader(directory: journal.directory.path, fieldSizeLimit: 1_000)
        try capped.seekToHead()
        let entry = try #require(try capped.next())
        #expect(entry.message == Array(large.utf8.prefix(1_000)))
        #expect(entry.priority == 3)
    }

    @Test func failsToOpenAMissingFileWithTheCallNamed() throws {
        let error = try #require(throws: JournalError.self) {
            _ = try JournalReader(files: ["/nonexistent/faultline/x.journal"])
        }
        #expect(error.kind == .openFailed)
        #expect(error.errorNumber == ENOENT)
        #expect(error.description.contains("sd_journal_open_files"))
    }
}
