import Foundation

/// A temporary directory of real journal files, written by `systemd-journal-remote` from the journal export
/// format, so that tests read what journald itself would have written. The directory is removed on deinit.
///
/// Needs Debian's `systemd-journal-remote` package.
final class JournalExportWriter {
    /// One entry to write; trusted fields (`_SYSTEMD_UNIT`...) are accepted because journal-remote copies them.
    struct Entry {
        /// `MESSAGE=`, written in the binary-safe form.
        var message: [UInt8]
        /// Every other field, in order.
        var fields: [(name: String, value: String)] = []

        /// A text message with the usual fields.
        init(
            _ message: String,
            unit: String? = nil,
            identifier: String? = nil,
            priority: Int? = nil,
            pid: Int? = nil,
            hostname: String? = nil
        ) {
            self.init(bytes: Array(message.utf8), unit: unit, identifier: identifier, priority: priority)
            if let pid { fields.append(("_PID", String(pid))) }
            if let hostname { fields.append(("_HOSTNAME", hostname)) }
        }

        /// A message of arbitrary bytes.
        init(bytes: [UInt8], unit: String? = nil, identifier: String? = nil, priority: Int? = nil) {
            message = bytes
            if let unit { fields.append(("_SYSTEMD_UNIT", unit)) }
            if let identifier { fields.append(("SYSLOG_IDENTIFIER", identifier)) }
            if let priority { fields.append(("PRIORITY", String(priority))) }
        }
    }

    /// The boot id every entry carries.
    static let bootID = "6c7c6013a8674a9f90e3e1e0d2d7f5b6"
    /// The realtime timestamp of the first entry written, in microseconds; each later entry is one second later.
    static let firstRealtime: UInt64 = 1_700_000_000_000_000

    /// The directory that holds the journal files.
    let directory: URL
    private var written: UInt64 = 0

    /// Creates an empty directory.
    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("faultline-journal-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The realtime timestamp of the `index`th entry written by this writer (0-based).
    static func realtime(ofEntry index: UInt64) -> UInt64 {
        firstRealtime + index * 1_000_000
    }

    /// The full path of a file in the directory.
    func path(_ fileName: String) -> String {
        directory.appendingPathComponent(fileName).path
    }

    /// Appends entries to `fileName` (created if missing), with increasing timestamps across calls.
    func write(_ entries: [Entry], to fileName: String) throws {
        var export: [UInt8] = []
        for entry in entries {
            let index = written
            written += 1
            export += Array("__REALTIME_TIMESTAMP=\(Self.realtime(ofEntry: index))\n".utf8)
            export += Array("__MONOTONIC_TIMESTAMP=\(1_000_000 + index * 1_000_000)\n".utf8)
            export += Array("_BOOT_ID=\(Self.bootID)\n".utf8)
            for field in entry.fields {
                export += Array("\(field.name)=\(field.value)\n".utf8)
            }
            // The binary form (name, newline, 64-bit little-endian length, bytes) carries any byte.
            export += Array("MESSAGE\n".utf8)
            withUnsafeBytes(of: UInt64(entry.message.count).littleEndian) { export += $0 }
            export += entry.message + [UInt8(ascii: "\n"), UInt8(ascii: "\n")]
        }
        try runJournalRemote(output: path(fileName), input: Data(export))
    }

    /// Deletes one journal file, as journald's vacuum does with old archived files.
    func remove(_ fileName: String) throws {
        try FileManager.default.removeItem(atPath: path(fileName))
    }

    private func runJournalRemote(output: String, input: Data) throws {
        let candidates = ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw WriterError("systemd-journal-remote not found; install Debian's systemd-journal-remote package")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--output=\(output)", "--split-mode=none", "-"]
        // An empty environment: journal-remote would send READY=1 to an inherited NOTIFY_SOCKET, which the
        // notifier tests running alongside set for themselves.
        process.environment = [:]
        let stdin = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let messages = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: messages, as: UTF8.self)
            throw WriterError("systemd-journal-remote exited with \(process.terminationStatus): \(text)")
        }
    }

    /// journal-remote is missing or failed; the description says which.
    struct WriterError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
