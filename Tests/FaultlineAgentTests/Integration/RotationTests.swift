import Foundation
import Testing

extension AgentDaemonIntegrationTests {
    /// Log rotation while the application writes and the agent runs.
    @Suite("rotation under a writer")
    struct Rotation {
        /// The writer rotates `app.log` by rename four times (logrotate's `create`: `app.log` → `app.log.1`, older
        /// files shifted, a few late lines still written to the renamed file before the new one is opened) and by
        /// copytruncate once, between bursts of errors; the agent counts every error exactly once.
        @Test func renamesAndACopytruncateNeitherLoseNorRepeatALine() async throws {
            var random = SeededRandomNumberGenerator()
            let workspace = try AgentWorkspace()
            workspace.context = "random seed \(random.seed)"
            let log = workspace.logPath("app.log")
            try await workspace.startAgent(AgentTestConfiguration(files: [.init(paths: [log])]))

            var script = ScriptedLogWriter.Script()
            let rotations: [Int: Bool] = [500: false, 1000: false, 1500: true, 2000: false, 2500: false]
            var next = 1
            var info = 1
            while next <= 3000 {
                let burst = min(Int.random(in: 1...20, using: &random), 3001 - next)
                for number in next..<next + burst {
                    script.appendErrors(number...number)
                    if let copies = rotations[number] {
                        // Let the agent catch up first: logrotate runs daily, not every few milliseconds.
                        script.pause(milliseconds: 600)
                        if copies {
                            script.copyTruncate()
                        } else {
                            script.rotateByRename(lateErrors: (1...3).map { 10_000 + number + $0 })
                        }
                    }
                }
                next += burst
                let infoLines = Int.random(in: 0...2, using: &random)
                script.appendInfo(info..<info + infoLines)
                info += infoLines
                if Int.random(in: 0..<25, using: &random) == 0 { script.appendJavaTrace(next) }
                script.pause(milliseconds: Int.random(in: 2...25, using: &random))
            }
            try await workspace.play(script, to: log)
            #expect(script.rotationCount == 5)
            #expect(FileManager.default.fileExists(atPath: log + ".5"), "logrotate's numbered files are missing")

            try await workspace.expectErrorCount(script.errorEvents.count)
            try await workspace.terminateAgent()
            try workspace.expectConsistentBatches()
            // Every sample names the path the globs found, whichever rotated file now holds the line.
            try workspace.expectSaneFileSamples(path: log, errorEvents: script.errorEvents, contentAtOffsets: false)
        }
    }
}
