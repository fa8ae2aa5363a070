import Foundation
import Testing

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
