import Foundation
import Testing

extension AgentDaemonIntegrationTests {
    /// SIGHUP reloads the configuration without reading any file again.
    @Suite("SIGHUP reload")
    struct Reload {
        /// A second `[[files]]` section added before SIGHUP is tailed from then on (from its beginning, as
        /// configured), the first file goes on from where it was and is not read again, and a broken
        /// configuration on a later SIGHUP leaves the running one in force.
        @Test func sighupTailsNewFilesWithoutRereadingOldOnes() async throws {
            let workspace = try AgentWorkspace()
            let first = workspace.logPath("first.log")
            let second = workspace.logPath("second.log")
            var configuration = AgentTestConfiguration(files: [.init(paths: [first])])
            try await workspace.startAgent(configuration)

            var firstEvents = try await Self.appendErrors(1...300, withTrace: true, to: first, in: workspace)
            var secondEvents = try await Self.appendErrors(1001...1100, withTrace: false, to: second, in: workspace)
            try await workspace.expectErrorCount(firstEvents.count)

            configuration.files.append(.init(paths: [second], app: "billing"))
            try workspace.writeConfiguration(configuration)
            try workspace.agent.reload()
            try await workspace.waitUntil("the agent to log the reload", timeout: .seconds(30)) {
                workspace.agent.outputTail(lineCount: 100).contains("configuration reloaded")
            }
            firstEvents += try await Self.appendErrors(401...600, withTrace: true, to: first, in: workspace)
            secondEvents += try await Self.appendErrors(1101...1200, withTrace: true, to: second, in: workspace)
            try await workspace.expectErrorCount(firstEvents.count + secondEvents.count)
            #expect(try workspace.errorCount(path: first) == firstEvents.count)
            #expect(try workspace.errorCount(path: second) == secondEvents.count)

            // A configuration with an unknown key: the agent says so and goes on with the one it has.
            try Data("[agent]\nflush_intervall = \"1s\"\n".utf8).write(
                to: URL(fileURLWithPath: workspace.agent.configurationPath))
            try workspace.agent.reload()
            try await workspace.waitUntil("the agent to refuse the broken configuration", timeout: .seconds(30)) {
                workspace.agent.outputTail(lineCount: 100).contains("configuration not reloaded")
            }
            #expect(workspace.agent.isRunning)
            firstEvents += try await Self.appendErrors(701...750, withTrace: false, to: first, in: workspace)
            secondEvents += try await Self.appendErrors(1301...1350, withTrace: false, to: second, in: workspace)
            try await workspace.expectErrorCount(firstEvents.count + secondEvents.count)
            #expect(try workspace.errorCount(path: first) == firstEvents.count)

            try await workspace.terminateAgent()
            try workspace.expectConsistentBatches()
            try workspace.expectSaneFileSamples(path: first, errorEvents: firstEvents, contentAtOffsets: true)
            try workspace.expectSaneFileSamples(path: second, errorEvents: secondEvents, contentAtOffsets: true)
        }

        /// Appends error lines `numbers` (and a stack trace after them) to `path`; returns the error events.
        private static func appendErrors(
            _ numbers: ClosedRange<Int>, withTrace: Bool, to path: String, in workspace: AgentWorkspace
        ) async throws -> [String] {
            var script = ScriptedLogWriter.Script()
            script.appendErrors(numbers)
            script.appendInfo(numbers.prefix(10))
            if withTrace { script.appendJavaTrace(numbers.upperBound + 1) }
            try await workspace.play(script, to: path)
            return script.errorEvents
        }
    }
}
