import Foundation
import Testing

extension AgentDaemonIntegrationTests {
    /// A clean stop and start, as `systemctl restart` does.
    @Suite("restart continuity")
    struct Restart {
        /// SIGTERM stops the agent within seconds, right after a burst it may not have read yet; lines written
        /// while it is stopped are read after the restart; nothing is read twice and nothing is lost.
        @Test func sigtermAndRestartNeitherRereadNorLose() async throws {
            let workspace = try AgentWorkspace()
            let log = workspace.logPath("app.log")
            try await workspace.startAgent(AgentTestConfiguration(files: [.init(paths: [log])]))

            var running = ScriptedLogWriter.Script()
            for start in stride(from: 1, to: 600, by: 50) {
                running.appendErrors(start..<start + 50)
                running.appendInfo(start..<start + 5)
                running.appendJavaTrace(start)
                running.pause(milliseconds: 50)
            }
            try await workspace.play(running, to: log)
            try await workspace.expectErrorCount(running.errorEvents.count)

            // A burst just before SIGTERM: the final flush, or the restart, must account for it exactly once.
            var justBefore = ScriptedLogWriter.Script()
            justBefore.appendErrors(601...800)
            justBefore.appendJavaTrace(801)
            try await workspace.play(justBefore, to: log)
            try await workspace.terminateAgent()

            var whileStopped = ScriptedLogWriter.Script()
            whileStopped.appendErrors(1001...1300)
            whileStopped.appendJavaTrace(1301)
            whileStopped.appendInfo(1001...1100)
            try await workspace.play(whileStopped, to: log)

            try await workspace.restartAgent()
            let events = running.errorEvents + justBefore.errorEvents + whileStopped.errorEvents
            try await workspace.expectErrorCount(events.count)
            try await workspace.terminateAgent()

            // A third start with nothing new: nothing is read again.
            try await workspace.restartAgent()
            try await workspace.expectErrorCount(events.count)
            try await workspace.terminateAgent()
            try workspace.expectConsistentBatches()
            try workspace.expectSaneFileSamples(path: log, errorEvents: events, contentAtOffsets: true)
        }
    }
}
