import Foundation
import Glibc

@testable import FaultlineAgent

/// A real `systemd-journald`, run as a journal namespace of its own so that it shares nothing with a journald
/// the machine may run: its sockets are in `/run/systemd/journal.<namespace>/`, its files in
/// `/var/log/journal/<machine-id>.<namespace>/` (or under `/run/log/journal` without a persistent journal).
///
/// Entries are written with `logger` to the namespace's syslog socket. A namespaced journald exits after about
/// 30 s without clients, so the helper keeps a stdout stream open while it runs; should the test process die,
/// the orphan goes away by itself. ``stop()`` (and deinit) stops it and removes its sockets and files.
///
/// Needs root, as journald does.
final class RealJournald {
    /// Whether a journald can be started here: root, and the binary installed.
    static var isAvailable: Bool { geteuid() == 0 && executable != nil && machineID != nil }

    /// The namespace, unique to this instance.
    let namespace: String
    /// The directory journald writes its files to.
    let directory: String
    /// The namespace's syslog socket.
    let syslogSocket: String
    private let runtimeDirectory: String
    private let process = Process()
    private var keepAlive: Int32 = -1

    /// Starts journald and waits until it accepts entries and has opened its journal file.
    init() throws {
        guard let executable = Self.executable, let machineID = Self.machineID else {
            throw Failure("systemd-journald or /etc/machine-id is missing")
        }
        namespace = "faultline" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let persistent = FileManager.default.fileExists(atPath: "/var/log/journal")
        directory = (persistent ? "/var/log/journal/" : "/run/log/journal/") + machineID + "." + namespace
        runtimeDirectory = "/run/systemd/journal." + namespace
        syslogSocket = runtimeDirectory + "/dev-log"

        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [namespace]
        // No inherited NOTIFY_SOCKET or journal stream: this journald answers to no one.
        process.environment = [:]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        do {
            try Self.waitUntil("journald's stdout socket and \(directory)/system.journal to appear") {
                FileManager.default.fileExists(atPath: runtimeDirectory + "/stdout")
                    && FileManager.default.fileExists(atPath: directory + "/system.journal")
            }
            keepAlive = try Self.connectStream(runtimeDirectory + "/stdout")
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Stops journald (SIGTERM, then SIGKILL after 5 s) and removes its sockets and journal files.
    func stop() {
        if keepAlive >= 0 {
            close(keepAlive)
            keepAlive = -1
        }
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: runtimeDirectory)
    }

    /// Logs `messages` through `logger`, one entry each, and waits until journald has stored the last one.
    func log(_ messages: [String], identifier: String, priority: Int) throws {
        let levels = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
        try Self.run(
            "/usr/bin/logger",
            ["--socket=\(syslogSocket)", "-t", identifier, "-p", "user.\(levels[priority])"],
            input: messages.joined(separator: "\n") + "\n"
        )
        if let last = messages.last {
            try waitUntil(stored: last)
        }
    }

    /// Waits until an entry with `message` is in the journal files.
    func waitUntil(stored message: String) throws {
        try Self.waitUntil("journald to store \"\(message)\"") {
            (try? self.storedMessages().contains(message)) ?? false
        }
    }

    /// Every message in the journal files, oldest first, read without a filter.
    func storedMessages() throws -> [String] {
        let reader = try JournalReader(directory: directory)
        try reader.seekToHead()
        var messages: [String] = []
        while let entry = try reader.next() { messages.append(entry.messageText) }
        return messages
    }

    /// The journal files in ``directory``, archived ones included.
    func journalFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".journal") }.sorted()
    }

    /// Rotates the journal (SIGUSR2, as `journalctl --rotate` asks it) and waits for the archived file.
    func rotate() throws {
        let archived = try journalFiles().filter { $0 != "system.journal" }.count
        kill(process.processIdentifier, SIGUSR2)
        try Self.waitUntil("journald to archive system.journal") {
            let files = (try? self.journalFiles()) ?? []
            return files.contains("system.journal") && files.filter { $0 != "system.journal" }.count > archived
        }
    }

    /// Deletes archived journal files until `files` remain, with `journalctl --vacuum-files`.
    func vacuum(keepingFiles files: Int) throws {
        try Self.run("/usr/bin/journalctl", ["--directory=\(directory)", "--vacuum-files=\(files)"], input: nil)
    }

    // MARK: - Helpers

    private static var executable: String? {
        ["/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    private static var machineID: String? {
        let text = (try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8)) ?? ""
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    /// Polls `condition` every 20 ms for up to 10 s.
    private static func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        while try !condition() {
            guard Date() < deadline else { throw Failure("timed out after 10 s waiting for \(what)") }
            usleep(20_000)
        }
    }

    /// Connects a stream socket and sends the stdout-stream header, so that journald counts a client.
    private static func connectStream(_ path: String) throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: Array(path.utf8).prefix(buffer.count - 1))
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        // identifier, unit id, priority, level prefix, forward to syslog, kmsg, console
        let header = Array("faultline-test-keepalive\n\n6\n0\n0\n0\n0\n".utf8)
        guard connected == 0, write(descriptor, header, header.count) == header.count else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw Failure("connecting to \(path): \(reason)")
        }
        return descriptor
    }

    /// Runs a command to completion (killed after 10 s) and fails unless it exits with 0.
    private static func run(_ executable: String, _ arguments: [String], input: String?) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = arguments
        child.environment = [:]
        let stdin = Pipe()
        child.standardInput = input == nil ? FileHandle.nullDevice : stdin
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let deadline = Date().addingTimeInterval(10)
        while child.isRunning && Date() < deadline { usleep(10_000) }
        if child.isRunning {
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            throw Failure("\(executable) \(arguments.joined(separator: " ")) did not finish within 10 s")
        }
        guard child.terminationStatus == 0 else {
            throw Failure("\(executable) \(arguments.joined(separator: " ")) exited with \(child.terminationStatus)")
        }
    }

    /// journald could not be started or did not do what was asked; the description says what.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
