import FaultlineCore
import Foundation
import Testing

/// `faultline-agent scan`, run as the built executable: what it prints for a file, in each output format,
/// and how it fails.
@Suite struct ScanCommandTests {
    /// A small service log: three kinds of error, one of them three times, between info lines.
    static let log = [
        "2026-11-21 10:00:01 INFO service started",
        "2026-11-21 10:00:02 ERROR connection to 10.0.0.7 refused after 3 retries",
        "2026-11-21 10:00:03 FATAL out of memory",
        "2026-11-21 10:00:04 ERROR connection to 10.0.0.8 refused after 4 retries",
        "2026-11-21 10:00:05 ERROR cache miss for key 7",
        "2026-11-21 10:00:06 ERROR connection to 10.0.0.9 refused after 5 retries",
        "2026-11-21 10:00:07 ERROR cache miss for key 8",
        "2026-11-21 10:00:08 INFO all good",
    ]

    /// Error lines that differ only in a user name: three fingerprints, one group.
    static let sessions = ["alice", "bob", "carol"].map { "ERROR session closed for user \($0)" }

    /// The fields of one group of `--json` output, in a comparable form.
    struct JSONGroup: Equatable {
        var count: Int?
        var group: String?
        var fingerprints: [String]?
        var severity: String?
        var template: String?
        var sample: String?

        init(
            count: Int?, group: String?, fingerprints: [String]?, severity: String?, template: String?,
            sample: String?
        ) {
            self.count = count
            self.group = group
            self.fingerprints = fingerprints
            self.severity = severity
            self.template = template
            self.sample = sample
        }

        /// Reads the fields of a parsed JSON object.
        init(_ object: [String: Any]) {
            self.init(
                count: object["count"] as? Int, group: object["group"] as? String,
                fingerprints: object["fingerprints"] as? [String], severity: object["severity"] as? String,
                template: object["template"] as? String, sample: object["sample"] as? String
            )
        }

        /// The group of one fingerprint, as `scan` reports it.
        init(count: Int, _ line: String, severity: String) {
            let signature = Fingerprinter().sign(line, source: "")
            self.init(
                count: count, group: "\(signature.fingerprint)", fingerprints: ["\(signature.fingerprint)"],
                severity: severity, template: signature.template, sample: line
            )
        }
    }

    /// The signature `scan` computes for `line` (the default source is empty).
    private func sign(_ line: String, source: String = "") -> Signature {
        Fingerprinter().sign(line, source: source)
    }

    /// Writes `lines` to a temporary file and runs `faultline-agent scan FILE` with `options`.
    private func scan(_ lines: [String], _ options: [String] = []) throws -> AgentProcess.Result {
        try TemporaryFiles.with { directory in
            let file = try directory.file("app.log", contents: lines.joined(separator: "\n") + "\n")
            return try AgentProcess.run(["scan", file.path] + options)
        }
    }

    /// Parses `data` as JSON.
    private func json(_ data: Data) throws -> Any {
        try JSONSerialization.jsonObject(with: data)
    }

    // MARK: - Table

    @Test func tableListsGroupsMostFrequentFirstWithASample() throws {
        let result = try scan(Self.log)
        #expect(result.status == 0)
        #expect(result.stderr == "")

        let connection = sign(Self.log[1])
        let cache = sign(Self.log[4])
        let memory = sign(Self.log[2])
        #expect(connection.template == "<time> ERROR connection to <ip> refused after <num> retries")
        #expect(cache.template == "<time> ERROR cache miss for key <num>")
        #expect(memory.template == "<time> FATAL out of memory")
        #expect(
            result.stdoutText == """
                COUNT    GROUP             FINGERPRINT       TEMPLATE
                      3  \(connection.fingerprint)  \(connection.fingerprint)  \(connection.template)
                         sample: \(Self.log[1])
                      2  \(cache.fingerprint)  \(cache.fingerprint)  \(cache.template)
                         sample: \(Self.log[4])
                      1  \(memory.fingerprint)  \(memory.fingerprint)  \(memory.template)
                         sample: \(Self.log[2])

                """
        )
    }

    @Test func tableShowsAMergedGroupOnce() throws {
        let result = try scan(Self.sessions)
        let alice = sign(Self.sessions[0])
        #expect(
            result.stdoutText == """
                COUNT    GROUP             FINGERPRINT       TEMPLATE
                      3  \(alice.fingerprint)  \(alice.fingerprint) (+2)  ERROR session closed for user <*>
                         sample: \(Self.sessions[0])

                """
        )
    }

    @Test func tableSaysSoWhenNothingWasFound() throws {
        let result = try scan(["INFO all good", "DEBUG tick"])
        #expect(result.status == 0)
        #expect(result.stdoutText == "no error lines found\n")
    }

    @Test func readsStandardInputWithoutAFile() throws {
        let input = Data((Self.log.joined(separator: "\n") + "\n").utf8)
        let fromStandardInput = try AgentProcess.run(["scan", "--json"], stdin: input)
        let fromFile = try scan(Self.log, ["--json"])
        #expect(fromStandardInput.status == 0)
        #expect(fromStandardInput.stdout == fromFile.stdout)
    }

    // MARK: - JSON

    @Test func jsonHasCountGroupFingerprintsTemplateAndSample() throws {
        let sessions = Self.sessions + ["ERROR session closed for user dave"]
        let result = try scan(Self.log + sessions, ["--json"])
        #expect(result.status == 0)
        let groups = try #require(try json(result.stdout) as? [[String: Any]])

        let users = sessions.map { "\(sign($0).fingerprint)" }
        #expect(
            groups.map(JSONGroup.init) == [
                JSONGroup(
                    count: 4, group: users[0], fingerprints: users, severity: "err",
                    template: "ERROR session closed for user <*>", sample: sessions[0]
                ),
                JSONGroup(count: 3, Self.log[1], severity: "err"),
                JSONGroup(count: 2, Self.log[4], severity: "err"),
                JSONGroup(count: 1, Self.log[2], severity: "crit"),
            ]
        )
    }

    /// Groups are most frequent first; ties keep the order in which the groups first appeared.
    @Test func tiesKeepTheOrderOfFirstAppearance() throws {
        let result = try scan(
            ["ERROR disk full", "ERROR out of memory", "ERROR out of memory", "ERROR disk full"], ["--json"])
        let groups = try #require(try json(result.stdout) as? [[String: Any]])
        #expect(
            groups.map(JSONGroup.init) == [
                JSONGroup(count: 2, "ERROR disk full", severity: "err"),
                JSONGroup(count: 2, "ERROR out of memory", severity: "err"),
            ]
        )
    }

    @Test func jsonOfNothingIsAnEmptyArray() throws {
        let result = try scan(["INFO all good"], ["--json"])
        let groups = try #require(try json(result.stdout) as? [Any])
        #expect(groups.isEmpty)
    }

    // MARK: - Lines

    @Test func linesGiveOneRecordPerSignedLineInOrderWithTheFinalGroup() throws {
        let input = [Self.log[0], Self.sessions[0], Self.log[3], Self.sessions[1], "INFO tick", Self.sessions[2]]
        let result = try scan(input, ["--lines"])
        #expect(result.status == 0)

        let records = try result.stdoutText.split(separator: "\n").map { line in
            try #require(try json(Data(line.utf8)) as? [String: Any])
        }
        /// The fields of one record, in a comparable form.
        struct Record: Equatable {
            var line: Int?
            var fingerprint: String?
            var group: String?
            var template: String?
        }
        let actual = records.map {
            Record(
                line: $0["line"] as? Int, fingerprint: $0["fingerprint"] as? String, group: $0["group"] as? String,
                template: $0["template"] as? String
            )
        }
        let alice = sign(Self.sessions[0])
        let bob = sign(Self.sessions[1])
        let carol = sign(Self.sessions[2])
        let connection = sign(Self.log[3])
        // Alice's line came first and was alone then, yet its record names the group all three ended in.
        #expect(
            actual == [
                Record(
                    line: 2, fingerprint: "\(alice.fingerprint)", group: "\(alice.fingerprint)",
                    template: alice.template),
                Record(
                    line: 3, fingerprint: "\(connection.fingerprint)", group: "\(connection.fingerprint)",
                    template: connection.template
                ),
                Record(
                    line: 4, fingerprint: "\(bob.fingerprint)", group: "\(alice.fingerprint)", template: bob.template),
                Record(
                    line: 6, fingerprint: "\(carol.fingerprint)", group: "\(alice.fingerprint)",
                    template: carol.template),
            ]
        )
        #expect(alice.template == "ERROR session closed for user alice")
    }

    @Test func linesWithAllSignEveryLineUnderTheGivenSource() throws {
        let result = try scan(Self.log, ["--lines", "--all", "--source", "billing.service"])
        let records = try result.stdoutText.split(separator: "\n").map { line in
            try #require(try json(Data(line.utf8)) as? [String: Any])
        }
        #expect(records.map { $0["line"] as? Int } == Array(1...Self.log.count))
        #expect(
            records.map { $0["fingerprint"] as? String }
                == Self.log.map { "\(sign($0, source: "billing.service").fingerprint)" }
        )
    }

    // MARK: - Failures

    @Test func missingFileFailsNamingTheFile() throws {
        let missing = FileManager.default.temporaryDirectory
            .appendingPathComponent("faultline-missing-\(UUID().uuidString).log").path
        let result = try AgentProcess.run(["scan", missing])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("cannot open '\(missing)'"))
        #expect(result.stderr.contains("No such file or directory"))
    }

    @Test func jsonAndLinesTogetherFail() throws {
        let result = try scan(Self.log, ["--json", "--lines"])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("--json and --lines are different outputs; choose one."))
    }

    // MARK: - Escaping

    /// An error line that tries to recolour the terminal, clear it (with the one-byte C1 CSI) and set
    /// its title.
    static let hostileLine = "ERROR \u{1b}[31mred alert\u{1b}[0m \u{9b}2J \u{1b}]0;pwned\u{7} done"

    @Test(arguments: [[], ["--json"], ["--lines"], ["--all", "--lines"]])
    func escapeSequencesNeverReachStandardOutputRaw(_ options: [String]) throws {
        let result = try scan(["INFO fine", Self.hostileLine], options)
        #expect(result.status == 0)
        #expect(!result.stdout.isEmpty)
        #expect(!result.stdout.contains(0x1b), "raw ESC in output")
        #expect(!result.stdout.contains(0x07), "raw BEL in output")
        let bytes = [UInt8](result.stdout)
        #expect(!zip(bytes, bytes.dropFirst()).contains { $0 == (0xc2, 0x9b) }, "raw C1 CSI in output")
    }

    @Test func tableShowsEscapeSequencesVisibly() throws {
        let result = try scan([Self.hostileLine])
        #expect(result.stdoutText.contains(#"sample: ERROR \x1b[31mred alert\x1b[0m \u{9b}2J \x1b]0;pwned\x07 done"#))
    }

    @Test func jsonKeepsTheSampleExactly() throws {
        let result = try scan([Self.hostileLine], ["--json"])
        let groups = try #require(try json(result.stdout) as? [[String: Any]])
        #expect(groups.first?["sample"] as? String == Self.hostileLine)
    }
}

// MARK: - Running the agent

/// Runs the built `faultline-agent` in a child process. (The same lookup as the core tests'
/// `SubprocessRunner`; test targets cannot share source files.)
enum AgentProcess {
    /// What a finished child process left behind.
    struct Result {
        /// The exit status.
        var status: Int32
        /// Standard output, raw.
        var stdout: Data
        /// Standard error, decoded as UTF-8.
        var stderr: String
        /// Standard output decoded as UTF-8.
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Why the agent could not be found.
    struct LookupError: Error, CustomStringConvertible {
        var description: String
    }

    /// `faultline-agent` from the build directory of the running test bundle (or `FAULTLINE_AGENT`):
    /// the bundle's directory and up to three above it are searched; throws, naming them, when it is missing.
    static func executable() throws -> URL {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment["FAULTLINE_AGENT"], !override.isEmpty {
            guard fileManager.isExecutableFile(atPath: override) else {
                throw LookupError(description: "FAULTLINE_AGENT=\(override) is not an executable file")
            }
            return URL(fileURLWithPath: override)
        }
        var starts = [URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL]
        if let executable = Bundle.main.executableURL { starts.append(executable) }
        starts += Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }
        var searched: [String] = []
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                if !searched.contains(directory.path) { searched.append(directory.path) }
                let candidate = directory.appendingPathComponent("faultline-agent")
                if fileManager.isExecutableFile(atPath: candidate.path) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw LookupError(
            description: """
                faultline-agent was not found next to the test bundle; searched: \(searched.joined(separator: ", ")). \
                Build the package first (`swift build --scratch-path DIR`) or set FAULTLINE_AGENT.
                """
        )
    }

    /// Runs the agent with `arguments` and `stdin` (empty when `nil`) and waits for it; output goes to
    /// temporary files so that a large output can never block the child.
    static func run(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        try TemporaryFiles.with { directory in try run(arguments, stdin: stdin, in: directory) }
    }

    private static func run(_ arguments: [String], stdin: Data?, in directory: TemporaryFiles) throws -> Result {
        let outURL = try directory.file("stdout", bytes: Data())
        let errURL = try directory.file("stderr", bytes: Data())
        let inURL = try directory.file("stdin", bytes: stdin ?? Data())
        let output = try FileHandle(forWritingTo: outURL)
        let errors = try FileHandle(forWritingTo: errURL)
        let input = try FileHandle(forReadingFrom: inURL)
        defer {
            try? output.close()
            try? errors.close()
            try? input.close()
        }
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: try Data(contentsOf: outURL),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        )
    }
}

/// A fresh temporary directory for one test's files.
struct TemporaryFiles {
    /// The directory.
    let url: URL

    /// Creates a directory, calls `body` with it, and removes it with everything in it afterwards.
    static func with<T>(_ body: (TemporaryFiles) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("faultline-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(TemporaryFiles(url: url))
    }

    /// Writes `bytes` to the file `name` in the directory; returns its URL.
    func file(_ name: String, bytes: Data) throws -> URL {
        let file = url.appendingPathComponent(name)
        try bytes.write(to: file)
        return file
    }

    /// Writes `text` as UTF-8 to the file `name` in the directory; returns its URL.
    func file(_ name: String, contents text: String) throws -> URL {
        try file(name, bytes: Data(text.utf8))
    }
}
