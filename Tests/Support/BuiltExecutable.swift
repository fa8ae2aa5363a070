import Foundation

/// The package's programs as the tests run them: found next to the running test bundle, where
/// `swift build --build-tests` put them, or at the path in an environment variable.
public enum BuiltExecutable {
    /// Why a program could not be found.
    public struct LookupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The executable `name` (`faultline-collector`), or the file named by the environment variable `override`
    /// when it is set; the test bundle's directory and up to three above it are searched. Throws, naming the
    /// directories searched, when it is missing.
    public static func url(named name: String, override: String) throws -> URL {
        let fileManager = FileManager.default
        if let path = ProcessInfo.processInfo.environment[override], !path.isEmpty {
            guard fileManager.isExecutableFile(atPath: path) else {
                throw LookupError(description: "\(override)=\(path) is not an executable file")
            }
            return URL(fileURLWithPath: path)
        }
        var starts = [URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL]
        if let executable = Bundle.main.executableURL { starts.append(executable) }
        starts += Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }
        var searched: [String] = []
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                if !searched.contains(directory.path) { searched.append(directory.path) }
                let candidate = directory.appendingPathComponent(name)
                if fileManager.isExecutableFile(atPath: candidate.path) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw LookupError(
            description: """
                \(name) was not found next to the test bundle; searched: \(searched.joined(separator: ", ")). \
                Build the package first (`swift build --build-tests`) or set \(override).
                """
        )
    }
}
