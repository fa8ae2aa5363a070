import FaultlineCore
import Foundation
import Logging
import Testing

@testable import FaultlineAgent

/// The journald source against a real `systemd-journald` (its own journal namespace), written to with `logger`:
/// matches, the checkpoint moving past skipped entries, restarts, rotation and vacuum.
@Suite(
    "JournaldSource on a real journald", .enabled(if: RealJournald.isAvailable, "needs root to run systemd-journald"))
struct JournaldSourceTests {
    /// Reads errors of the identifier `api`, the way the agent's matches would.
    private static let filter = JournalFilter(identifiers: ["api"], maximumPriority: 3)

    private func source(
        _ journald: RealJournald, checkpoint: String? = nil, start: JournalSourceSettings.Start = .head
    ) throws -> JournaldSource {
        var settings = JournalSourceSettings()
        settings.location = .directory(journald.directory)
        settings.start = start
        return try JournaldSource(
            settings: settings, filter: Self.filter,
            checkpoint: checkpoint.map { SourceCheckpoint(key: JournaldSource.checkpointKey, state: $0) },
            logger: Logger(label: "test"))
    }

    /// Reads until the source has nothing more; the messages handed on.
    private func drain(_ source: JournaldSource) throws -> [String] {
        var messages: [String] = []
        while try source.read(
            maximumEvents: 7, emit: { messages.append(String(decoding: $0.message, as: UTF8.self)) }
        ) {}
        return messages
    }

    private func checkpoint(_ source: JournaldSource) throws -> String {
        try #require(source.checkpoints().first?.state)
    }

    /// Every entry in the journal after `cursor`, unfiltered, with a fresh handle.
    private func entries(after cursor: String, in journald: RealJournald) throws -> [JournalEntry] {
        let reader = try JournalReader(directory: journald.directory)
        #expect(try reader.seek(toCursor: cursor) == .found)
        var entries: [JournalEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        return entries
    }

    private func errors(_ range: ClosedRange<Int>, _ label: String = "api error") -> [String] {
        range.map { "\(label) \($0)" }
    }

    private func noise(_ range: ClosedRange<Int>) -> [String] {
        range.map { "noise \($0)" }
    }

    @Test func readsOnlyTheMatchesAndCheckpointsPastTheEntriesTheySkip() throws {
        let journald = try RealJournald()
        try journald.log(errors(1...3), identifier: "api", priority: 3)
        try journald.log(["api is fine"], identifier: "api", priority: 6)
        try journald.log(["other failed"], identifier: "other", priority: 3)
        let source = try source(journald)
        #expect(try drain(source) == errors(1...3))
        let afterErrors = try checkpoint(source)

        // Only entries the matches skip: other programs' errors, api's info messages.
        try journald.log(noise(1...40), identifier: "other", priority: 3)
        try journald.log(noise(41...60), identifier: "api", priority: 6)
        #expect(try drain(source) == [])
        let afterNoise = try checkpoint(source)
        #expect(afterNoise != afterErrors)
        // Within one entry of the end: the newest entry is vouched for only once the next one exists.
        let unvouched = try entries(after: afterNoise, in: journald)
        #expect(unvouched.count <= 1, "the checkpoint stayed behind \(unvouched.map(\.messageText))")
        #expect(try entries(after: afterErrors, in: journald).count >= 60)
        #expect(source.linesRead == 3 && source.linesLost == 0)
    }

    @Test func aRestartReadsNothingTwiceAndMissesNothingNew() throws {
        let journald = try RealJournald()
        try journald.log(errors(1...5), identifier: "api", priority: 3)
        let first = try source(journald)
        #expect(try drain(first) == errors(1...5))
        try journald.log(noise(1...30), identifier: "other", priority: 3)
        #expect(try drain(first) == [])
        let saved = try checkpoint(first)

        // Written while the agent is stopped: skipped noise and wanted errors, interleaved.
        try journald.log(noise(31...40), identifier: "other", priority: 3)
        try journald.log(errors(6...8), identifier: "api", priority: 3)
        try journald.log(noise(41...50), identifier: "api", priority: 5)
        try journald.log(errors(9...9), identifier: "api", priority: 2)

        let second = try source(journald, checkpoint: saved)
        #expect(try drain(second) == errors(6...9))
        try journald.log(errors(10...11), identifier: "api", priority: 3)
        #expect(try drain(second) == errors(10...11))
        #expect(second.linesLost == 0)

        // And a third start from what the second saved reads only what came after.
        let third = try source(journald, checkpoint: try checkpoint(second))
        #expect(try drain(third) == [])
        try journald.log(errors(12...12), identifier: "api", priority: 3)
        #expect(try drain(third) == errors(12...12))
    }

    @Test func startsAtTheHeadOrTheTailWithoutACheckpoint() throws {
        let journald = try RealJournald()
        try journald.log(errors(1...2), identifier: "api", priority: 3)
        try journald.log(noise(1...5), identifier: "other", priority: 3)
        let fromHead = try source(journald, start: .head)
        let fromTail = try source(journald, start: .tail)
        let fromTheFuture = try source(journald, start: .since(WireTimestamp(microseconds: Int64.max / 2)))
        #expect(try drain(fromHead) == errors(1...2))
        #expect(try drain(fromTail) == [])
        #expect(try drain(fromTheFuture) == [])
        // Having handed on nothing, the tail start still checkpoints the end of the journal.
        #expect(try entries(after: try checkpoint(fromTail), in: journald).count <= 1)

        try journald.log(errors(3...4), identifier: "api", priority: 3)
        #expect(try drain(fromHead) == errors(3...4))
        #expect(try drain(fromTail) == errors(3...4))
    }

    @Test func followsARotationWithoutLosingOrRepeatingAnEntry() throws {
        let journald = try RealJournald()
        try journald.log(errors(1...3), identifier: "api", priority: 3)
        let source = try source(journald)
        #expect(try drain(source) == errors(1...3))

        try journald.log(errors(4...5), identifier: "api", priority: 3)
        try journald.rotate()
        try journald.log(errors(6...7), identifier: "api", priority: 3)
        try journald.log(noise(1...5), identifier: "other", priority: 3)
        try journald.rotate()
        #expect(try journald.journalFiles().count == 3)
        #expect(try drain(source) == errors(4...7))
        #expect(source.linesLost == 0)

        let restarted = try self.source(journald, checkpoint: try checkpoint(source))
        try journald.log(errors(8...8), identifier: "api", priority: 3)
        #expect(try drain(restarted) == errors(8...8))
        #expect(restarted.linesLost == 0)
    }

    @Test func countsWhatAVacuumRemovedBeforeARestartCouldReadIt() throws {
        let journald = try RealJournald()
        try journald.log(errors(1...2), identifier: "api", priority: 3)
        let first = try source(journald)
        #expect(try drain(first) == errors(1...2))
        let saved = try checkpoint(first)

        // While the agent is stopped: entries it never read are rotated into archives, which a vacuum deletes.
        try journald.log(errors(3...6), identifier: "api", priority: 3)
        try journald.log(noise(1...4), identifier: "other", priority: 3)
        try journald.rotate()
        try journald.log(errors(7...8), identifier: "api", priority: 3)
        try journald.rotate()
        let beforeVacuum = try entries(after: saved, in: journald).map(\.cursor)
        try journald.vacuum(keepingFiles: 1)
        #expect(try journald.journalFiles() == ["system.journal"])
        let remaining = Set(try journald.storedMessages())
        try journald.log(errors(9...10), identifier: "api", priority: 3)

        let restarted = try source(journald, checkpoint: saved)
        #expect(try drain(restarted) == errors(9...10))
        // Every entry after the checkpoint that the vacuum took, whatever program wrote it.
        let vacuumed = beforeVacuum.count - (try survivors(of: beforeVacuum, in: journald))
        #expect(vacuumed >= 10)
        #expect(restarted.linesLost == vacuumed)
        #expect(!remaining.contains("api error 3"))
    }

    @Test func countsWhatAVacuumRemovedWhileItWasReadingBehind() throws {
        let journald = try RealJournald()
        try journald.log(errors(1...2), identifier: "api", priority: 3)
        let source = try source(journald)
        #expect(try drain(source) == errors(1...2))
        let saved = try checkpoint(source)

        // The source is not read meanwhile (a full spool pauses it): its position is vacuumed away.
        try journald.log(errors(3...5), identifier: "api", priority: 3)
        try journald.rotate()
        try journald.log(noise(1...3), identifier: "other", priority: 3)
        try journald.rotate()
        let beforeVacuum = try entries(after: saved, in: journald).map(\.cursor)
        try journald.vacuum(keepingFiles: 1)
        try journald.log(errors(6...6), identifier: "api", priority: 3)

        #expect(try drain(source) == errors(6...6))
        let vacuumed = beforeVacuum.count - (try survivors(of: beforeVacuum, in: journald))
        #expect(vacuumed >= 6)
        #expect(source.linesLost == vacuumed)
        // Counted once: later changes to the journal do not count the same gap again.
        try journald.rotate()
        try journald.log(errors(7...7), identifier: "api", priority: 3)
        #expect(try drain(source) == errors(7...7))
        #expect(source.linesLost == vacuumed)
    }

    /// How many of `cursors` are still in the journal.
    private func survivors(of cursors: [String], in journald: RealJournald) throws -> Int {
        let reader = try JournalReader(directory: journald.directory)
        try reader.seekToHead()
        var present = Set<String>()
        while let entry = try reader.next() { present.insert(entry.cursor) }
        return cursors.filter(present.contains).count
    }
}
