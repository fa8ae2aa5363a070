import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The built `faultline-agent run --config PATH` as a child process that a test starts, kills, stops and
/// reloads with signals, as systemd (or a power cut) would.
///
/// Standard output and error of every run are appended to one file, which failure messages quote. The
/// environment is minimal, so that the agent never inherits a `NOTIFY_SOCKET` or `JOURNAL_STREAM` that other
/// tests in the same process set. A daemon still running when this object goes away is killed.
final class AgentDaemon {
    /// The agent did not start, or did not stop in time.
    struct DaemonError: Error, CustomStringConvertible {
        var description: String
    }

    /// The configuration file passed with `--config`.
    let configurationPath: String
    /// Where the output of every run goes.
    let outputPath: String
    private var process: Process?
    /// How many times the daemon was started.
    private(set) var starts = 0

    /// A daemon that will run with the configuration at `configurationPath`; nothing starts yet.
    init(configurationPath: String, outputPath: String) {
        self.configurationPath = configurationPath
        self.outputPath = outputPath
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    }

    deinit {
        kill()
    }

    /// Whether the child is running.
    var isRunning: Bool { process?.isRunning ?? false }

    /// The process id of the running child, or `nil`.
    var processIdentifier: Int32? { isRunning ? process?.processIdentifier : nil }

    /// Starts `faultline-agent run --config PATH`.
    func start() throws {
        guard !isRunning else { throw DaemonError(description: "the agent is already running") }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        output.seekToEndOfFile()
        output.write(Data("--- start \(starts + 1)\n".utf8))
        let child = Process()
        child.executableURL = try AgentProcess.executable()
        child.arguments = ["run", "--config", configurationPath]
        child.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = output
        child.standardError = output
        try child.run()
        process = child
        starts += 1
    }

    /// Kills the agent with SIGKILL, as a crash or a power cut would, and waits for it to be gone.
    func kill() {
        guard let process, process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends SIGHUP: reload the configuration.
    func reload() throws {
        guard let pid = processIdentifier else { throw DaemonError(description: "the agent is not running") }
        guard Glibc.kill(pid, SIGHUP) == 0 else { throw DaemonError(description: "kill(SIGHUP) failed: \(errno)") }
    }

    /// Sends SIGTERM and waits for the agent to exit, at most `limit` (then it is killed and this throws).
    ///
    /// - Returns: How long the agent took to exit, and its exit status.
    func terminate(within limit: Duration) async throws -> (elapsed: Duration, status: Int32) {
        guard let process, process.isRunning else { throw DaemonError(description: "the agent is not running") }
        let clock = ContinuousClock()
        let start = clock.now
        process.terminate()
        while process.isRunning {
            if clock.now - start > limit {
                kill()
                throw DaemonError(description: "the agent did not exit within \(limit) of SIGTERM\n\(outputTail())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (clock.now - start, process.terminationStatus)
    }

    /// The last `lineCount` lines of the agent's output, for failure messages.
    func outputTail(lineCount: Int = 15) -> String {
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lineCount)
        let state =
            if let process, !process.isRunning {
                "exited with status \(process.terminationStatus)"
            } else {
                isRunning ? "running" : "not started"
            }
        return "agent (\(state), \(starts) starts), last output:\n" + lines.joined(separator: "\n")
    }
}
