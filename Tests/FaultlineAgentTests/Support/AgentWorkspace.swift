import Foundation
import Testing

/// Everything one end-to-end test of `faultline-agent run` needs: a temporary directory with the agent's
/// configuration, token, state and logs, a ``BatchReceiver`` on loopback, and the ``AgentDaemon``.
///
/// Every wait is bounded and fails with a message that says what was awaited, what the receiver got, what
/// the spool holds and what the agent last logged. On deinit the agent is killed, the receiver stopped and
/// the directory removed.
final class AgentWorkspace {
    /// A bounded wait ran out, or the agent reported more than was written.
    struct IntegrationFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The temporary directory.
    let directory: String
    /// The batch receiver.
    let receiver: BatchReceiver
    /// The agent.
    let agent: AgentDaemon
    /// Extra context for failure messages, such as a random seed.
    var context = ""

    /// Creates the directory, the token file and the receiver; the agent is not started.
    init() throws {
        directory = FileManager.default.temporaryDirectory.path + "/faultline-integration-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        receiver = try BatchReceiver(directory: directory + "/receiver", token: "integration-\(UUID().uuidString)")
        try Data((receiver.token + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/agent.token"))
        agent = AgentDaemon(configurationPath: directory + "/agent.toml", outputPath: directory + "/agent-output.txt")
    }

    deinit {
        agent.kill()
        receiver.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A path in the workspace's `logs` directory.
    func logPath(_ name: String) -> String { directory + "/logs/" + name }

    /// The agent's state directory.
    var stateDirectory: String { directory + "/state" }

    /// The agent's spool file.
    var spoolPath: String { stateDirectory + "/agent.sqlite" }

    /// Writes `agent.toml`, shipping to the receiver.
    func writeConfiguration(_ configuration: AgentTestConfiguration) throws {
        let text = configuration.rendered(
            collectorURL: receiver.baseURL, tokenFile: directory + "/agent.token", stateDirectory: stateDirectory)
        try Data(text.utf8).write(to: URL(fileURLWithPath: agent.configurationPath))
    }

    /// Writes the configuration, starts the agent, and waits for its first batch (the heartbeat its first flush
    /// always commits) to reach the receiver: from then on it has installed its signal handlers and is reading.
    func startAgent(_ configuration: AgentTestConfiguration) async throws {
        try writeConfiguration(configuration)
        try await restartAgent()
    }

    /// Starts the agent again and waits until a new batch reaches the receiver.
    func restartAgent() async throws {
        let before = try receiver.acceptedBatches().count
        try agent.start()
        try await waitUntil("the agent's first batch after start \(agent.starts)", timeout: .seconds(30)) {
            try receiver.acceptedBatches().count > before
        }
    }

    /// Plays `script` against the log at `path` and waits (at most 30 s) for the writer to finish.
    func play(
        _ script: ScriptedLogWriter.Script, to path: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let writer = ScriptedLogWriter(path: path, steps: script.steps)
        try await waitUntil("the writer to finish", timeout: .seconds(30)) { writer.isFinished }
        #expect(writer.problem == nil, "the writer failed: \(writer.problem ?? "")", sourceLocation: sourceLocation)
    }

    /// The spool as it is now.
    func spool() throws -> SpoolSnapshot { try SpoolSnapshot.read(spoolPath) }

    // MARK: - Waiting

    /// Polls `condition` every `interval` until it holds; throws an ``IntegrationFailure`` naming `what`, with
    /// the diagnostics, once `timeout` has passed.
    func waitUntil(
        _ what: String, timeout: Duration, interval: Duration = .milliseconds(200), _ condition: () throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if try condition() { return }
            if clock.now >= deadline {
                throw IntegrationFailure(
                    description: "timed out after \(timeout) waiting for \(what)\n\(diagnostics())")
            }
            try await Task.sleep(for: interval)
        }
    }

    /// Waits until the receiver has counted `expected` errors, failing at once if it counts more; then waits
    /// `settling` (several flush intervals) and checks that the count stayed exactly `expected`.
    func expectErrorCount(
        _ expected: Int, timeout: Duration = .seconds(90), settling: Duration = .seconds(2),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await waitUntil("\(expected) errors counted by the receiver", timeout: timeout) {
            let count = try receiver.errorCount()
            if count > expected {
                throw IntegrationFailure(
                    description: "the receiver counted \(count) errors, more than the \(expected) written\n"
                        + diagnostics())
            }
            return count == expected
        }
        try await Task.sleep(for: settling)
        let settled = try receiver.errorCount()
        #expect(settled == expected, "the count moved after settling\n\(diagnostics())", sourceLocation: sourceLocation)
    }

    /// Stops the agent with SIGTERM, expecting a clean exit within 10 s; returns how long it took.
    @discardableResult
    func terminateAgent(sourceLocation: SourceLocation = #_sourceLocation) async throws -> Duration {
        let (elapsed, status) = try await agent.terminate(within: .seconds(30))
        #expect(elapsed < .seconds(10), "SIGTERM took \(elapsed)", sourceLocation: sourceLocation)
        #expect(status == 0, "the agent exited with \(status)\n\(agent.outputTail())", sourceLocation: sourceLocation)
        return elapsed
    }

    /// What the receiver, the spool and the agent show now, for failure messages.
    func diagnostics() -> String {
        var text = context.isEmpty ? "" : context + "\n"
        text += receiver.summary() + "\n"
        if let spool = try? spool() {
            text +=
                "spool: \(spool.batches) batches, \(spool.pendingBytes) bytes waiting, "
                + "\(spool.deadLetters) dead letters, file offsets \(spool.fileOffsets)\n"
        }
        return text + agent.outputTail()
    }

    // MARK: - Checks of what arrived

    /// Checks what every test expects of the accepted batches: one agent id, sequences 1, 2, 3... with no gap
    /// and no repeat, no batch id reused with other content, nothing reported lost, no dead letters.
    func expectConsistentBatches(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let batches = try receiver.acceptedBatches()
        let ids = batches.map(\.batchID)
        #expect(Set(ids).count == ids.count, "a batch id was accepted twice", sourceLocation: sourceLocation)
        #expect(
            Set(batches.map(\.agent.id)).count == 1, "batches from several agent ids", sourceLocation: sourceLocation)
        let sequences = batches.compactMap(\.sequence).sorted()
        #expect(
            sequences == Array(1...max(1, sequences.count)),
            "batch sequences are not 1...\(sequences.count): \(sequences.prefix(40))", sourceLocation: sourceLocation)
        let conflicts = try receiver.requests().filter { $0.conflict == true }.compactMap(\.batchID)
        #expect(conflicts.isEmpty, "batch ids resent with other content: \(conflicts)", sourceLocation: sourceLocation)
        let lost = batches.reduce(0) { $0 + $1.health.linesLost }
        #expect(lost == 0, "the agent reported \(lost) lost lines", sourceLocation: sourceLocation)
        #expect(try spool().deadLetters == 0, "batches were dead-lettered", sourceLocation: sourceLocation)
    }

    /// Checks the samples of file groups: each names `path` and an offset, its text is one of `errorEvents` (which
    /// must all differ) and no event is sampled twice; when `contentAtOffsets` (no rotation), the file holds that
    /// text at that offset.
    func expectSaneFileSamples(
        path: String, errorEvents: [String], contentAtOffsets: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let written = Set(errorEvents)
        let content = contentAtOffsets ? FileManager.default.contents(atPath: path) ?? Data() : Data()
        var seen: Set<String> = []
        var sampledTexts: Set<String> = []
        var problems: [String] = []
        for batch in try receiver.acceptedBatches() {
            for group in batch.groups where group.source.path == path {
                for sample in group.samples {
                    guard let position = sample.position, position.hasPrefix(path + ":"),
                        let offset = Int(position.dropFirst(path.count + 1)), offset >= 0
                    else {
                        problems.append("sample without a position in \(path): \(sample.position ?? "none")")
                        continue
                    }
                    seen.insert(position)
                    if !sampledTexts.insert(sample.text).inserted { problems.append("\(position) sampled twice") }
                    if !written.contains(sample.text) { problems.append("\(position): unknown text \(sample.text)") }
                    if contentAtOffsets {
                        let expected = Data((sample.text + "\n").utf8)
                        let end = offset + expected.count
                        if end > content.count || content[offset..<end] != expected {
                            problems.append("\(position) does not hold the sample's text")
                        }
                    }
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))", sourceLocation: sourceLocation)
        #expect(!seen.isEmpty, "no sample names \(path)", sourceLocation: sourceLocation)
    }

    /// The sum of the counts of the groups whose source is the file `path`.
    func errorCount(path: String) throws -> Int {
        try receiver.acceptedBatches().reduce(0) { total, batch in
            total + batch.groups.filter { $0.source.path == path }.reduce(0) { $0 + $1.count }
        }
    }
}
