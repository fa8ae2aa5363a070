import Foundation

/// A fresh directory for spool files under the system's temporary directory, deleted with its contents on deinit.
final class TemporarySpoolDirectory: Sendable {
    /// The directory's absolute path.
    let path: String

    /// Creates the directory.
    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/faultline-spool-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }
}
