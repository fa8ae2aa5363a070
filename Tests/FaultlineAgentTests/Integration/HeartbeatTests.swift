import Foundation
import Testing

extension AgentDaemonIntegrationTests {
    /// Heartbeats: batches with no groups, so the collector knows a quiet host is alive.
    @Suite("heartbeat")
    struct Heartbeat {
        /// With `heartbeat_interval = "2s"` and only info lines written, batches without groups keep arriving,
        /// no more than the interval apart by the agent's clock (with a second of slack for a busy machine),
        /// and their health counts every line read.
        @Test func aQuietAgentSendsEmptyBatchesEveryHeartbeatInterval() async throws {
            let workspace = try AgentWorkspace()
            let log = workspace.logPath("app.log")
            var configuration = AgentTestConfiguration(files: [.init(paths: [log])])
            configuration.heartbeatInterval = "2s"
            try await workspace.startAgent(configuration)

            var script = ScriptedLogWriter.Script()
            script.appendInfo(1...50)
            try await workspace.play(script, to: log)
            try await workspace.waitUntil("four heartbeats after the first", timeout: .seconds(30)) {
                try workspace.receiver.acceptedBatches().count >= 5
            }
            try await workspace.waitUntil("the heartbeats' health to count the 50 lines", timeout: .seconds(30)) {
                try workspace.receiver.acceptedBatches().reduce(0) { $0 + $1.health.linesRead } == 50
            }
            try await workspace.terminateAgent()

            let batches = try workspace.receiver.acceptedBatches()
            #expect(batches.allSatisfy { $0.groups.isEmpty && $0.health.errorsSeen == 0 })
            let ends = try batches.map { try #require(Self.seconds($0.window.end), "window end \($0.window.end)") }
            let gaps = zip(ends, ends.dropFirst()).map { $1 - $0 }
            #expect(gaps.allSatisfy { $0 > 0 && $0 <= 2 + 1 }, "gaps between heartbeats: \(gaps)")
            try workspace.expectConsistentBatches()
        }

        /// An RFC 3339 time with fractional seconds, as seconds since the epoch.
        private static func seconds(_ text: String) -> Double? {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.date(from: text)?.timeIntervalSince1970
        }
    }
}
