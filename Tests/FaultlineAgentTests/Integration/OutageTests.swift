import Foundation
import Testing

extension AgentDaemonIntegrationTests {
    /// The collector down, overloaded, or away long enough to fill the spool.
    @Suite("collector outage")
    struct Outage {
        /// While the receiver is down the agent keeps reading and its batches wait in the spool, within
        /// `[spool] max_bytes`; a SIGTERM in the middle of the outage still stops it promptly. Once the receiver
        /// is back, every error arrives, once.
        @Test func batchesWaitInTheSpoolWhileTheCollectorIsDown() async throws {
            var random = SeededRandomNumberGenerator()
            let workspace = try AgentWorkspace()
            workspace.context = "random seed \(random.seed)"
            let log = workspace.logPath("app.log")
            let maximumBytes = 4 << 20
            var configuration = AgentTestConfiguration(files: [.init(paths: [log])])
            configuration.spoolMaximumBytes = "4MiB"
            try await workspace.startAgent(configuration)

            var script = ScriptedLogWriter.Script()
            script.appendErrors(1...200)
            try await workspace.play(script, to: log)
            try await workspace.expectErrorCount(200, settling: .milliseconds(500))

            workspace.receiver.stop()
            var outage = ScriptedLogWriter.Script()
            var next = 201
            while next <= 1500 {
                outage.appendErrors(next..<next + 100)
                outage.appendInfo(next..<next + 10)
                if next % 300 == 1 { outage.appendJavaTrace(next) }
                outage.pause(milliseconds: Int.random(in: 200...400, using: &random))
                next += 100
            }
            try await workspace.play(outage, to: log)
            let size = try Self.fileSize(log)
            try await workspace.waitUntil("the agent to read the whole file and spool it", timeout: .seconds(30)) {
                try workspace.spool().fileOffsets[log] == size
            }
            let piled = try workspace.spool()
            #expect(piled.batches >= 3, "only \(piled.batches) batches wait in the spool")
            #expect(piled.pendingBytes > 0 && piled.pendingBytes <= maximumBytes, "\(piled.pendingBytes) bytes")
            #expect(try workspace.receiver.errorCount() == 200, "the receiver is down, yet counted more")

            // Stopping while the shipper backs off from a collector that refuses connections.
            try await workspace.terminateAgent()
            try workspace.agent.start()
            try await Task.sleep(for: .seconds(1))
            try workspace.receiver.start()

            try await workspace.expectErrorCount(200 + outage.errorEvents.count)
            try await workspace.terminateAgent()
            try workspace.expectConsistentBatches()
            try workspace.expectSaneFileSamples(
                path: log, errorEvents: script.errorEvents + outage.errorEvents, contentAtOffsets: true)
            #expect(try workspace.spool().batches <= 1, "batches are left in the spool")
        }

        /// A receiver that answers 503 with `Retry-After: 2`, slowly, is not asked again before 2 seconds have
        /// passed since its answer; once it accepts again, every error arrives.
        @Test func retryAfterOnA503IsHonoured() async throws {
            let workspace = try AgentWorkspace()
            let log = workspace.logPath("app.log")
            try await workspace.startAgent(AgentTestConfiguration(files: [.init(paths: [log])]))

            try workspace.receiver.answerUnavailable(retryAfterSeconds: 2, answerDelaySeconds: 1.2)
            var script = ScriptedLogWriter.Script()
            for start in stride(from: 1, through: 300, by: 30) {
                script.appendErrors(start..<start + 30)
                script.pause(milliseconds: 300)
            }
            let writer = ScriptedLogWriter(path: log, steps: script.steps)
            try await workspace.waitUntil("three 503 answers", timeout: .seconds(60)) {
                try workspace.receiver.requests().filter { $0.status == 503 }.count >= 3
            }
            try workspace.receiver.answerNormally()
            try await workspace.waitUntil("the writer to finish", timeout: .seconds(30)) { writer.isFinished }
            try await workspace.expectErrorCount(300)

            let requests = try workspace.receiver.requests().sorted { $0.arrived < $1.arrived }
            var early: [String] = []
            for (refused, next) in zip(requests, requests.dropFirst()) where refused.status == 503 {
                // 50 ms of slack for the time between the receiver's clock readings and the agent's.
                let wait = next.arrived - refused.answered
                if wait < 2 - 0.05 { early.append(String(format: "%.3f s", wait)) }
            }
            #expect(early.isEmpty, "retries came sooner than Retry-After: 2 after a 503: \(early)")
            try await workspace.terminateAgent()
            try workspace.expectConsistentBatches()
        }

        /// With the smallest spool allowed (1 MiB) and the receiver down, the agent fills the spool, then stops
        /// reading (its file offset stays behind the end of the file) with the spool bounded; when the receiver
        /// is back it drains the spool, resumes reading, and every error arrives.
        @Test func aFullSpoolPausesReadingUntilItDrains() async throws {
            var random = SeededRandomNumberGenerator()
            let workspace = try AgentWorkspace()
            workspace.context = "random seed \(random.seed)"
            let log = workspace.logPath("app.log")
            let maximumBytes = 1 << 20
            var configuration = AgentTestConfiguration(files: [.init(paths: [log])])
            configuration.spoolMaximumBytes = "1MiB"
            try await workspace.startAgent(configuration)
            workspace.receiver.stop()

            // Errors with random words each make a group of their own, so batches compress poorly and the
            // spool fills after about 6,000 of these 14,000 lines.
            var script = ScriptedLogWriter.Script()
            for _ in 0..<28 {
                script.appendDistinctErrors(500, using: &random)
                script.pause(milliseconds: 100)
            }
            try await workspace.play(script, to: log)
            try await workspace.waitUntil("the spool to fill", timeout: .seconds(60)) {
                try workspace.spool().pendingBytes >= maximumBytes
            }
            // Lines written once the spool is full must wait: the agent may have read everything before it
            // filled (a fast agent keeps up with the writer), but nothing after.
            var late = ScriptedLogWriter.Script()
            late.appendDistinctErrors(500, using: &random)
            try await workspace.play(late, to: log)
            let size = try Self.fileSize(log)
            // The last line read waits up to the multiline timeout (2 s) for a continuation before the checkpoint
            // moves past it; after that nothing may move while the spool stays full.
            try await Task.sleep(for: .seconds(3))
            let full = try workspace.spool()
            try await Task.sleep(for: .seconds(2))
            let stillFull = try workspace.spool()
            let offset = try #require(stillFull.fileOffsets[log], "no checkpoint for \(log)")
            #expect(offset < size, "the agent read the whole file although its spool is full")
            #expect(offset == full.fileOffsets[log], "the agent kept reading while its spool was full")
            // The spool may pass its bound by one window's batch, no more.
            #expect(stillFull.pendingBytes < 2 * maximumBytes, "the spool grew to \(stillFull.pendingBytes) bytes")

            try workspace.receiver.start()
            try await workspace.expectErrorCount(
                script.errorEvents.count + late.errorEvents.count, timeout: .seconds(120))
            try await workspace.terminateAgent()
            try workspace.expectConsistentBatches()
        }

        private static func fileSize(_ path: String) throws -> Int {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return (attributes[.size] as? NSNumber)?.intValue ?? 0
        }
    }
}
