import Foundation
import Synchronization

/// A thread that writes numbered lines to a log through one open descriptor and rotates it by rename the way
/// a real program does: rename the file, keep writing a few lines to the old descriptor (the program has
/// not noticed yet), then open a new file at the old name.
final class RotatingLineWriter: Sendable {
    private let finished = Atomic<Bool>(false)
    private let failure = Mutex<String?>(nil)

    /// Starts writing `"line 1"` ... `"line <count>"` to `path`, renaming it to `path.1`, `path.2`, ... after
    /// every `rotateEvery` lines, with `lateLines` lines written to the renamed file after each rename.
    init(path: String, count: Int, rotateEvery: Int, lateLines: Int) {
        let thread = Thread { [self] in
            if let problem = Self.write(path: path, count: count, rotateEvery: rotateEvery, lateLines: lateLines) {
                failure.withLock { $0 = problem }
            }
            finished.store(true, ordering: .releasing)
        }
        thread.start()
    }

    /// Whether every line was written.
    var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// What went wrong in the writer, if anything.
    var problem: String? { failure.withLock { $0 } }

    private static func write(path: String, count: Int, rotateEvery: Int, lateLines: Int) -> String? {
        var descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { return "open \(path): errno \(errno)" }
        var rotations = 0
        var sinceRotation = 0
        var pendingReopen = -1
        for number in 1...count {
            let line = Array("line \(number)\n".utf8)
            guard line.withUnsafeBytes({ Foundation.write(descriptor, $0.baseAddress, $0.count) }) == line.count else {
                return "write: errno \(errno)"
            }
            sinceRotation += 1
            if sinceRotation == rotateEvery {
                rotations += 1
                guard rename(path, "\(path).\(rotations)") == 0 else { return "rename: errno \(errno)" }
                sinceRotation = 0
                pendingReopen = lateLines
            }
            if pendingReopen == 0 {
                close(descriptor)
                descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                guard descriptor >= 0 else { return "reopen \(path): errno \(errno)" }
            }
            if pendingReopen >= 0 { pendingReopen -= 1 }
            if number % 20 == 0 { usleep(200) }
        }
        close(descriptor)
        return nil
    }
}
