import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A thread that plays a ``Script`` against a log file the way an application and logrotate would: appends
/// lines through one open `O_APPEND` descriptor with pauses between them, rotates by rename
/// (`app.log` → `app.log.1`, the older ones shifted, a few late lines still written to the renamed file before
/// the new `app.log` is opened) and by copytruncate.
///
/// The script knows what the agent must report: every error event it appended, each counted once.
final class ScriptedLogWriter: Sendable {
    /// One thing the writer does.
    enum Step: Sendable {
        /// Appends the text with one `write(2)`.
        case append(String)
        /// Sleeps.
        case pause(microseconds: UInt32)
        /// logrotate's `create`: shifts `app.log.N` to `app.log.N+1`, renames `app.log` to `app.log.1`, appends
        /// `lateText` to the renamed file through the descriptor still open, then opens a new `app.log`.
        case rotateByRename(lateText: String)
        /// logrotate's `copytruncate`: shifts the numbered files, copies `app.log` to `app.log.1` and truncates
        /// `app.log` to zero; the writer goes on appending through its descriptor.
        case copyTruncate
    }

    /// The steps of one writer, with the error events they append.
    struct Script {
        /// The steps, in order.
        private(set) var steps: [Step] = []
        /// The error events appended, each as the agent's sample text would show it (lines joined by `\n`).
        private(set) var errorEvents: [String] = []
        /// How many lines were appended, errors and others.
        private(set) var lineCount = 0
        /// How many rotations the script does.
        private(set) var rotationCount = 0

        /// Appends error lines, one event each.
        mutating func appendErrors(_ numbers: some Sequence<Int>) {
            let lines = numbers.map(SampleLogLines.error)
            errorEvents += lines
            append(lines)
        }

        /// Appends lines that are not errors.
        mutating func appendInfo(_ numbers: some Sequence<Int>) {
            append(numbers.map(SampleLogLines.info))
        }

        /// Appends a Java stack trace logged with its message: one error event of several lines.
        mutating func appendJavaTrace(_ number: Int) {
            let lines = SampleLogLines.javaTrace(number)
            errorEvents.append(lines.joined(separator: "\n"))
            append(lines)
        }

        /// Appends error lines that each make a template of their own (random words), one event each.
        mutating func appendDistinctErrors(_ count: Int, using random: inout some RandomNumberGenerator) {
            var lines: [String] = []
            for _ in 0..<count { lines.append(SampleLogLines.distinctError(using: &random)) }
            errorEvents += lines
            append(lines)
        }

        /// Sleeps `milliseconds`.
        mutating func pause(milliseconds: Int) {
            steps.append(.pause(microseconds: UInt32(milliseconds * 1000)))
        }

        /// Rotates by rename; `lateErrors` are error lines written to the renamed file afterwards.
        mutating func rotateByRename(lateErrors: some Sequence<Int>) {
            let lines = lateErrors.map(SampleLogLines.error)
            errorEvents += lines
            lineCount += lines.count
            rotationCount += 1
            steps.append(.rotateByRename(lateText: lines.map { $0 + "\n" }.joined()))
        }

        /// Rotates by copytruncate.
        mutating func copyTruncate() {
            rotationCount += 1
            steps.append(.copyTruncate)
        }

        private mutating func append(_ lines: [String]) {
            guard !lines.isEmpty else { return }
            lineCount += lines.count
            steps.append(.append(lines.map { $0 + "\n" }.joined()))
        }
    }

    private let finished = Atomic<Bool>(false)
    private let failure = Mutex<String?>(nil)

    /// Starts playing `steps` against `path` (created if missing) on a new thread.
    init(path: String, steps: [Step]) {
        let thread = Thread { [self] in
            if let problem = Self.play(steps, path: path) {
                failure.withLock { $0 = problem }
            }
            finished.store(true, ordering: .releasing)
        }
        thread.start()
    }

    /// Whether every step was played (or one failed).
    var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// What went wrong, if anything.
    var problem: String? { failure.withLock { $0 } }

    private static func play(_ steps: [Step], path: String) -> String? {
        var descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return "open \(path): errno \(errno)" }
        defer { close(descriptor) }
        for step in steps {
            switch step {
            case .append(let text):
                if let problem = write(text, to: descriptor) { return problem }
            case .pause(let microseconds):
                usleep(microseconds)
            case .rotateByRename(let lateText):
                if let problem = shiftNumberedFiles(path) { return problem }
                guard rename(path, path + ".1") == 0 else { return "rename \(path): errno \(errno)" }
                if let problem = write(lateText, to: descriptor) { return problem }
                close(descriptor)
                descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard descriptor >= 0 else { return "reopen \(path): errno \(errno)" }
            case .copyTruncate:
                if let problem = shiftNumberedFiles(path) { return problem }
                do {
                    try FileManager.default.copyItem(atPath: path, toPath: path + ".1")
                } catch {
                    return "copy \(path): \(error)"
                }
                guard ftruncate(descriptor, 0) == 0 else { return "truncate \(path): errno \(errno)" }
            }
        }
        return nil
    }

    private static func write(_ text: String, to descriptor: Int32) -> String? {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                return "write: errno \(errno)"
            }
            written += result
        }
        return nil
    }

    /// Renames `path.N` to `path.N+1`, the highest first, as logrotate does before a rotation.
    private static func shiftNumberedFiles(_ path: String) -> String? {
        var highest = 0
        while access("\(path).\(highest + 1)", F_OK) == 0 { highest += 1 }
        for number in stride(from: highest, through: 1, by: -1) {
            guard rename("\(path).\(number)", "\(path).\(number + 1)") == 0 else {
                return "rename \(path).\(number): errno \(errno)"
            }
        }
        return nil
    }
}
