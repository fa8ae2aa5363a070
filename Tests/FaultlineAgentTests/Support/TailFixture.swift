import FaultlineAgent
import FaultlineCore
import Foundation
import Testing

/// A temporary directory of log files and the loop that reads them through a `FileTailSource` the way the
/// agent's runtime does: poll the inotify descriptor, read, flush. The directory is removed on deinit.
final class TailFixture {
    /// The directory's absolute path.
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.path + "/faultline-tail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The path of `name` in the directory.
    func path(_ name: String) -> String { directory + "/" + name }

    /// A configuration for the directory's `*.log` files, with settings that keep tests quick.
    func configuration(
        multiline: MultilineConfiguration = MultilineConfiguration(rule: .singleLines),
        readFromBeginning: Bool = false,
        maximumLineBytes: Int = 64 * 1024,
        rescanInterval: Duration = .seconds(3600),
        rotatedFileGracePeriod: Duration = .milliseconds(300)
    ) -> FileSourceConfiguration {
        FileSourceConfiguration(
            globs: [path("*.log")], app: "shop", maximumLineBytes: maximumLineBytes,
            readFromBeginning: readFromBeginning, rescanInterval: rescanInterval,
            rotatedFileGracePeriod: rotatedFileGracePeriod, multiline: multiline)
    }

    /// Appends text to a file, creating it if needed.
    func append(_ text: String, to name: String) throws {
        try append(Data(text.utf8), to: name)
    }

    /// Appends bytes to a file, creating it if needed.
    func append(_ data: Data, to name: String) throws {
        let descriptor = open(path(name), O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        try data.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                guard count > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                written += count
            }
        }
    }

    /// `count` lines `"<prefix> <n>"` for n in `range`, each ending with `\n`.
    static func lines(_ range: ClosedRange<Int>, prefix: String = "line") -> String {
        range.map { "\(prefix) \($0)\n" }.joined()
    }

    /// The inode of a file.
    func inode(_ name: String) throws -> UInt64 {
        var status = stat()
        guard stat(path(name), &status) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return UInt64(status.st_ino)
    }

    /// Runs the runtime's loop until `done` holds for the events collected, or fails the test after `timeout`.
    ///
    /// - Parameter maximumEvents: The budget given to each `read` call.
    @discardableResult
    static func collect(
        from source: FileTailSource, maximumEvents: Int = 500, timeout: Duration = .seconds(20),
        sourceLocation: SourceLocation = #_sourceLocation, until done: ([LogEvent]) -> Bool
    ) throws -> [LogEvent] {
        var events: [LogEvent] = []
        try collect(
            from: source, into: &events, maximumEvents: maximumEvents, timeout: timeout,
            sourceLocation: sourceLocation, until: done)
        return events
    }

    /// Like `collect(from:maximumEvents:timeout:until:)`, adding to `events`.
    static func collect(
        from source: FileTailSource, into events: inout [LogEvent], maximumEvents: Int = 500,
        timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
        until done: ([LogEvent]) -> Bool
    ) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let now = ContinuousClock.now
            source.rescanIfDue(now: now)
            while try source.read(maximumEvents: maximumEvents, now: now, emit: { events.append($0) }) {}
            source.flushPendingMultiline(now: now) { events.append($0) }
            if done(events) { return }
            guard now < deadline else {
                Issue.record("timed out after \(timeout) with \(events.count) events", sourceLocation: sourceLocation)
                return
            }
            waitForChange(source, milliseconds: 50)
        }
    }

    /// Waits until the inotify descriptor is readable or `milliseconds` pass; whether it became readable.
    @discardableResult
    static func waitForChange(_ source: FileTailSource, milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: source.pollDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) == 1
    }

    /// The events' messages as text.
    static func messages(_ events: [LogEvent]) -> [String] {
        events.map { String(decoding: $0.message, as: UTF8.self) }
    }

    /// The numbers `n` of the messages `"<prefix> <n>"`, in arrival order.
    static func numbers(_ events: [LogEvent], prefix: String = "line") -> [Int] {
        messages(events).compactMap { message in
            guard message.hasPrefix(prefix + " ") else { return nil }
            return Int(message.dropFirst(prefix.count + 1))
        }
    }
}
