import Foundation

/// Runs the built `faultline-agent` executable in a child process, for tests that check what the
/// program prints rather than what the library returns.
enum SubprocessRunner {
    /// What a finished child process left behind.
    struct Result {
        /// The exit status (or the terminating signal's number when it did not exit).
        var status: Int32
        /// Everything written to standard output, as raw bytes.
        var stdout: Data
        /// Everything written to standard error, decoded as UTF-8.
        var stderr: String

        /// Standard output decoded as UTF-8.
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The environment variable that, when set, names the `faultline-agent` executable to test.
    static let agentOverride = "FAULTLINE_AGENT"

    /// The `faultline-agent` executable of the build that produced these tests.
    ///
    /// SwiftPM puts every product of a build in one directory, so the agent sits next to the test bundle
    /// (`.../debug/faultlinePackageTests.xctest` on Linux, `.../debug/X.xctest/Contents/MacOS/X` on macOS):
    /// starting from the running test binary, each parent directory is searched for it. Throws, naming
    /// every directory searched, when it is not there (build the package first, or set
    /// `FAULTLINE_AGENT`).
    static func agentExecutable() throws -> URL {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment[agentOverride], !override.isEmpty {
            guard fileManager.isExecutableFile(atPath: override) else {
                throw LookupError(message: "\(agentOverride)=\(override) is not an executable file")
            }
            return URL(fileURLWithPath: override)
        }
        var starts: [URL] = []
        if let executable = Bundle.main.executableURL { starts.append(executable) }
        starts.append(URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL)
        starts += Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }

        var searched: [String] = []
        for start in starts {
            var directory = start.deletingLastPathComponent()
            // The bundle's own directory and up to three above it (`X.xctest/Contents/MacOS` on macOS).
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("faultline-agent")
                if !searched.contains(directory.path) { searched.append(directory.path) }
                if fileManager.isExecutableFile(atPath: candidate.path) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw LookupError(
            message: """
                faultline-agent was not found next to the test bundle; searched: \(searched.joined(separator: ", ")). \
                Build the package first (`swift build --scratch-path DIR`, then `swift test --scratch-path DIR`) \
                or set \(agentOverride) to the executable.
                """
        )
    }

    /// Why the agent could not be found.
    struct LookupError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Runs `faultline-agent` with `arguments`, feeding `stdin` (or nothing) on standard input, and waits
    /// for it to exit. Output goes to temporary files, so a large output can never block the child.
    static func runAgent(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        try run(agentExecutable(), arguments, stdin: stdin)
    }

    /// Runs `executable` with `arguments` and waits for it to exit.
    static func run(_ executable: URL, _ arguments: [String], stdin: Data? = nil) throws -> Result {
        try TemporaryDirectory.with { directory in
            try run(executable, arguments, stdin: stdin, in: directory)
        }
    }

    private static func run(
        _ executable: URL, _ arguments: [String], stdin: Data?, in directory: TemporaryDirectory
    ) throws -> Result {
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
        process.executableURL = executable
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

/// A fresh directory under the system's temporary directory, for one test's files.
struct TemporaryDirectory {
    /// The directory.
    let url: URL

    /// Creates a directory, calls `body` with it, and removes it with everything in it afterwards.
    static func with<T>(_ body: (TemporaryDirectory) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("faultline-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(TemporaryDirectory(url: url))
    }

    /// Writes `bytes` to a file named `name` in the directory and returns its URL.
    func file(_ name: String, bytes: Data) throws -> URL {
        let file = url.appendingPathComponent(name)
        try bytes.write(to: file)
        return file
    }

    /// Writes `text` (UTF-8) to a file named `name` in the directory and returns its URL.
    func file(_ name: String, contents text: String) throws -> URL {
        try file(name, bytes: Data(text.utf8))
    }
}
