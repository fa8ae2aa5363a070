import Foundation

/// A fresh directory under the system's temporary directory, deleted with everything in it on `deinit`.
public final class ScratchDirectory: Sendable {
    /// The directory's absolute path.
    public let path: String

    /// Creates the directory; `prefix` starts its name, to tell leftovers apart.
    public init(prefix: String = "faultline-test") throws {
        path = FileManager.default.temporaryDirectory.path + "/\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }
}
