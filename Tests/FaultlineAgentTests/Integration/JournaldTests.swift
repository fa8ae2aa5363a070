import Foundation
import Testing

@testable import FaultlineAgent

extension AgentDaemonIntegrationTests {
    /// The journald source on real journal files written by `systemd-journal-remote`.
    @Suite("journald")
    struct Journald {
        /// Entries of PRIORITY 2, 3 and 6 for `api.service`, and errors of another unit: the agent ships exactly
        /// the unit's entries of priority 3 or less, with the unit as their source and each sample's cursor.
        /// After SIGTERM a second journal file is added; the restarted agent ships only its new entries.
        @Test func shipsTheUnitsErrorsAndResumesAtItsCursor() async throws {
            let journal = try JournalExportWriter()
            let workspace = try AgentWorkspace()
            var configuration = AgentTestConfiguration()
            configuration.journald = .init(directory: journal.directory.path, units: ["api.service"])
            try journal.write(Self.entries(1...60), to: "system.journal")
            try await workspace.startAgent(configuration)

            let firstErrors = Self.errorMessages(1...60)
            try await workspace.expectErrorCount(firstErrors.count)
            try await workspace.terminateAgent()

            try journal.write(Self.entries(61...100), to: "second.journal")
            try await workspace.restartAgent()
            let allErrors = firstErrors + Self.errorMessages(61...100)
            try await workspace.expectErrorCount(allErrors.count)
            try await workspace.terminateAgent()
            try workspace.expectConsistentBatches()

            let groups = try workspace.receiver.acceptedBatches().flatMap(\.groups)
            #expect(groups.allSatisfy { $0.source.kind == "journald" && $0.source.unit == "api.service" })
            #expect(groups.allSatisfy { $0.source.identifier == "api" })
            #expect(Set(groups.map(\.template)) == ["payment <num> declined by the gateway", "disk <*> is failing"])
            #expect(Set(groups.map(\.severity)) == ["err", "crit"])
            let samples = groups.flatMap(\.samples)
            let cursors = samples.compactMap(\.cursor)
            #expect(cursors.count == samples.count, "a journald sample without its cursor")
            #expect(cursors.allSatisfy { $0.hasPrefix("s=") && $0.contains("b=\(JournalExportWriter.bootID)") })
            #expect(Set(cursors).count == cursors.count, "an entry was sampled twice")
            #expect(samples.allSatisfy { allErrors.contains($0.text) }, "a sample that is not an error entry")
        }

        /// The agent on a real `systemd-journald`, written to with `logger`: it ships the errors, its saved cursor
        /// moves past the info entries the priority match skips, a restart ships exactly what was written while
        /// it was stopped, and entries a rotation and vacuum removed before it could read them are reported as
        /// lost in the batches' health.
        @Test(.enabled(if: RealJournald.isAvailable, "needs root to run systemd-journald"))
        func followsARealJournaldAcrossRestartsRotationAndVacuum() async throws {
            let journald = try RealJournald()
            let workspace = try AgentWorkspace()
            var configuration = AgentTestConfiguration()
            configuration.journald = .init(directory: journald.directory, units: [])
            try journald.log((1...5).map { "payment \($0) declined" }, identifier: "api", priority: 3)
            try journald.log((1...5).map { "request \($0) served" }, identifier: "api", priority: 6)
            try await workspace.startAgent(configuration)
            try await workspace.expectErrorCount(5)

            // Only entries the match skips: the saved cursor still comes to the end of the journal.
            try journald.log((6...40).map { "request \($0) served" }, identifier: "api", priority: 6)
            try await workspace.waitUntil("the saved cursor to pass the skipped entries", timeout: .seconds(30)) {
                guard let saved = try workspace.spool().checkpoints[JournaldSource.checkpointKey] else { return false }
                return try Self.cursors(after: saved, in: journald).count <= 1
            }
            try await workspace.terminateAgent()

            try journald.log((6...8).map { "payment \($0) declined" }, identifier: "api", priority: 3)
            try await workspace.restartAgent()
            try await workspace.expectErrorCount(8)
            try await workspace.terminateAgent()
            try workspace.expectConsistentBatches()
            let saved = try #require(try workspace.spool().checkpoints[JournaldSource.checkpointKey])

            // While it is stopped, unread entries are rotated into archives and vacuumed.
            try journald.log((9...12).map { "payment \($0) declined" }, identifier: "api", priority: 3)
            try journald.rotate()
            try journald.log((13...14).map { "payment \($0) declined" }, identifier: "api", priority: 3)
            try journald.rotate()
            let unread = try Self.cursors(after: saved, in: journald)
            try journald.vacuum(keepingFiles: 1)
            let vacuumed = unread.subtracting(try Self.cursors(after: nil, in: journald)).count
            try journald.log((15...16).map { "payment \($0) declined" }, identifier: "api", priority: 2)
            try await workspace.restartAgent()
            try await workspace.expectErrorCount(10)
            try await workspace.terminateAgent()

            let batches = try workspace.receiver.acceptedBatches()
            #expect(Set(batches.map(\.batchID)).count == batches.count, "a batch id was accepted twice")
            #expect(vacuumed >= 6)
            #expect(batches.map(\.health.linesLost).reduce(0, +) == vacuumed)
            let samples = batches.flatMap(\.groups).flatMap(\.samples)
            #expect(Set(samples.compactMap(\.cursor)).count == samples.count, "an entry was sampled twice")
        }

        /// The cursors of the entries after `cursor` (of all entries for `nil`), read without a filter.
        private static func cursors(after cursor: String?, in journald: RealJournald) throws -> Set<String> {
            let reader = try JournalReader(directory: journald.directory)
            if let cursor {
                _ = try reader.seek(toCursor: cursor)
            } else {
                try reader.seekToHead()
            }
            var cursors = Set<String>()
            while let entry = try reader.next() { cursors.insert(entry.cursor) }
            return cursors
        }

        /// The entries numbered `numbers`: errors and critical errors of `api.service`, its info messages, and
        /// errors of another unit that the configuration does not read.
        static func entries(_ numbers: ClosedRange<Int>) -> [JournalExportWriter.Entry] {
            numbers.map { number in
                switch number % 4 {
                case 0: .init(message(number), unit: "api.service", identifier: "api", priority: 3, pid: 4242)
                case 1: .init(message(number), unit: "api.service", identifier: "api", priority: 6, pid: 4242)
                case 2: .init(message(number), unit: "other.service", identifier: "other", priority: 3, pid: 77)
                default: .init(message(number), unit: "api.service", identifier: "api", priority: 2, pid: 4242)
                }
            }
        }

        /// The messages of the entries that must be shipped.
        static func errorMessages(_ numbers: ClosedRange<Int>) -> [String] {
            numbers.filter { $0 % 4 == 0 || $0 % 4 == 3 }.map(message)
        }

        private static func message(_ number: Int) -> String {
            switch number % 4 {
            case 0: "payment \(number) declined by the gateway"
            case 1: "request \(number) served in 12ms"
            case 2: "other unit failed to frobnicate item \(number)"
            default: "disk sd\(number) is failing"
            }
        }
    }
}
