import Foundation

/// What a running agent's spool file holds, read from outside through Python's `sqlite3` module (the way an
/// operator would look at it), not through the agent's own code.
struct SpoolSnapshot: Decodable {
    /// Rows in `batches`: batches waiting to be shipped.
    var batches: Int
    /// The sum of their compressed sizes, what `[spool] max_bytes` bounds.
    var pendingBytes: Int
    /// Rows in `dead_letters`.
    var deadLetters: Int
    /// The `checkpoints` table, key to state.
    var checkpoints: [String: String]

    enum CodingKeys: String, CodingKey {
        case batches, checkpoints
        case pendingBytes = "pending_bytes"
        case deadLetters = "dead_letters"
    }

    /// Reading the spool failed.
    struct SnapshotError: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the spool at `path`.
    static func read(_ path: String) throws -> SpoolSnapshot {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        child.arguments = ["-c", script, path]
        child.environment = ["PATH": "/usr/bin:/bin"]
        let output = Pipe()
        let errors = Pipe()
        child.standardOutput = output
        child.standardError = errors
        try child.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw SnapshotError(description: "reading the spool \(path) failed: \(errorText)")
        }
        return try JSONDecoder().decode(SpoolSnapshot.self, from: data)
    }

    /// The read offset of each tailed file by the path its checkpoint names (`1 <offset> <head> <tail> <path>`).
    var fileOffsets: [String: Int] {
        var offsets: [String: Int] = [:]
        for (key, state) in checkpoints where key.hasPrefix("file:") {
            let fields = state.split(separator: " ", maxSplits: 4)
            guard fields.count == 5, let offset = Int(fields[1]) else { continue }
            offsets[String(fields[4]), default: 0] = max(offsets[String(fields[4]), default: 0], offset)
        }
        return offsets
    }

    private static let script = #"""
        import json, os, sqlite3, sys
        path = sys.argv[1]
        if not os.path.exists(path):
            sys.exit("the spool file does not exist yet")
        db = sqlite3.connect(path, timeout=10)
        batches, pending = db.execute("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM batches").fetchone()
        dead = db.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0]
        checkpoints = dict(db.execute("SELECT key, state FROM checkpoints").fetchall())
        db.close()
        print(json.dumps({"batches": batches, "pending_bytes": pending, "dead_letters": dead,
                          "checkpoints": checkpoints}))
        """#
}
