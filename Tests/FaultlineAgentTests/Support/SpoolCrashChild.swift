import FaultlineCore
import Foundation
import Testing

@testable import FaultlineAgent

/// The writer that `SpoolTests` kills with SIGKILL: the test binary runs itself again with
/// ``environmentKey`` set to a spool file and a filter that selects only ``SpoolCrashChildEntry``.
///
/// Each step "reads" one to three numbered lines, then either spools them as an error group (one sample per
/// line, `line <n>`) or commits the checkpoints alone with the lines counted in `health`. Two checkpoints,
/// ``lineKey`` and ``mirrorKey``, both hold the number of the last line covered. After a restart it resumes
/// from ``lineKey``, as a source would, so a non-atomic commit shows up as a duplicate or missing line.
enum SpoolCrashChild {
    /// Names the spool file; its absence makes the entry test do nothing.
    static let environmentKey = "FAULTLINE_SPOOL_CRASH_CHILD"
    /// The checkpoint a source would resume from.
    static let lineKey = "lines"
    /// A second checkpoint written in the same transaction, always equal to the first.
    static let mirrorKey = "mirror"
    /// The sender every batch names.
    static let sender = Spool.Sender(host: "crash-test", version: "0.0.0")

    /// Commits until killed, or for at most 30 s, or until the parent test process is gone.
    static func run(path: String) throws {
        let spool = try Spool(path: path)
        var line = Int(try spool.loadCheckpoints().first { $0.key == lineKey }?.state ?? "0") ?? 0
        let parent = getppid()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, getppid() == parent {
            let count = Int.random(in: 1...3)
            let first = line + 1
            line += count
            let checkpoints = [
                SourceCheckpoint(key: lineKey, state: String(line)),
                SourceCheckpoint(key: mirrorKey, state: String(line)),
            ]
            let now = WireTimestamp.now()
            if Bool.random() {
                let samples = (first...line).map { Batch.Sample(time: now, text: "line \($0)", cursor: "c\($0)") }
                let group = Batch.Group(
                    fingerprint: "00000000000000aa", algorithm: 1, template: "line <num>",
                    source: Batch.Source(kind: "journald", unit: "crash.service"), severity: "err", count: count,
                    firstSeen: now, lastSeen: now, samples: samples)
                try spool.commit(
                    window: Batch.Window(start: now, end: now), groups: [group],
                    health: Batch.Health(linesRead: count, errorsSeen: count), sender: sender,
                    checkpoints: checkpoints)
            } else {
                try spool.commitCheckpointsOnly(checkpoints, health: Batch.Health(linesRead: count))
            }
        }
    }
}

/// Runs ``SpoolCrashChild`` in a child process; passes at once in a normal test run.
@Suite("Spool crash child")
struct SpoolCrashChildEntry {
    @Test func spoolCrashChild() throws {
        guard let path = ProcessInfo.processInfo.environment[SpoolCrashChild.environmentKey] else { return }
        try SpoolCrashChild.run(path: path)
    }
}
