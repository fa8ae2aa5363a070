import Foundation
import Testing

extension AgentDaemonIntegrationTests {
    /// `kill -9` at random moments while an application writes: every error is counted exactly once.
    @Suite("crash recovery")
    struct CrashRecovery {
        /// 3,000 numbered error lines, info lines and Java stack traces are appended in random bursts while the
        /// agent is killed with SIGKILL 6 to 10 times at random moments (reading, flushing, shipping, starting)
        /// and restarted each time. At the end the receiver's counts add up to exactly what was written.
        @Test func sigkillAtRandomMomentsNeitherLosesNorRepeatsALine() async throws {
            var random = SeededRandomNumberGenerator()
            let workspace = try AgentWorkspace()
            workspace.context = "random seed \(random.seed)"
            let log = workspace.logPath("app.log")
            try await workspace.startAgent(AgentTestConfiguration(files: [.init(paths: [log])]))

            var script = ScriptedLogWriter.Script()
            var next = 1
            var info = 1
            let errorLineCount = 3000
            while next <= errorLineCount {
                let burst = min(Int.random(in: 1...25, using: &random), errorLineCount - next + 1)
                script.appendErrors(next..<next + burst)
                next += burst
                let infoLines = Int.random(in: 0...3, using: &random)
                script.appendInfo(info..<info + infoLines)
                info += infoLines
                if Int.random(in: 0..<20, using: &random) == 0 { script.appendJavaTrace(next) }
                script.pause(milliseconds: Int.random(in: 5...50, using: &random))
            }
            let writer = ScriptedLogWriter(path: log, steps: script.steps)

            let kills = Int.random(in: 6...10, using: &random)
            for _ in 0..<kills {
                try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500, using: &random)))
                workspace.agent.kill()
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...400, using: &random)))
                try workspace.agent.start()
            }
            try await workspace.waitUntil("the writer to finish", timeout: .seconds(60)) { writer.isFinished }
            #expect(writer.problem == nil, "the writer failed: \(writer.problem ?? "")")

            let expected = script.errorEvents.count
            #expect(expected > errorLineCount, "the script wrote no stack trace")
            try await workspace.expectErrorCount(expected)
            try await workspace.terminateAgent()
            #expect(try workspace.receiver.errorCount() == expected, "\(workspace.diagnostics())")
            try workspace.expectConsistentBatches()
            try workspace.expectSaneFileSamples(path: log, errorEvents: script.errorEvents, contentAtOffsets: true)
            #expect(workspace.agent.starts == kills + 1)
        }
    }
}
