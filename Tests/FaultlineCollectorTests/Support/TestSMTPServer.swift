import FaultlineTestSupport
import Foundation

/// A real SMTP server on loopback for the tests: Debian's `python3-aiosmtpd`, storing every message it
/// accepts in a maildir.
final class TestSMTPServer: @unchecked Sendable {
    // @unchecked: the process is started and stopped by the one test that owns the server.

    /// Why the server could not start.
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// One message the server accepted.
    struct Message {
        /// The message's headers, by lowercased name.
        var headers: [String: String]
        /// The body.
        var body: String
    }

    /// STARTTLS and AUTH, both required: the server's certificate and key, and its one user.
    struct Security {
        var certificate: SelfSignedCertificate
        var user: String
        var password: String
    }

    /// The port on 127.0.0.1.
    let port: Int
    /// STARTTLS and AUTH, when the server requires them.
    let security: Security?
    /// The maildir the messages go to.
    let mailbox: ScratchDirectory
    private var process: Process?

    /// Creates a server on a free port; call ``start()`` to run it.
    init(security: Security? = nil) throws {
        mailbox = try ScratchDirectory(prefix: "faultline-mailbox")
        port = try Self.freePort()
        self.security = security
    }

    deinit { stop() }

    /// The URL to send to.
    var url: String { "smtp://127.0.0.1:\(port)" }

    /// Starts the server and waits until it accepts connections.
    func start() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw StartError(description: "/usr/bin/python3 is missing; install Debian's python3-aiosmtpd")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        if let security {
            // Tests/Fixtures/smtp_tls_server.py, from this file's place in the source tree.
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Fixtures/smtp_tls_server.py").path
            process.arguments = [
                script, "--port", "\(port)", "--maildir", mailbox.path + "/mail",
                "--cert", security.certificate.certificate, "--key", security.certificate.key,
                "--user", security.user, "--password", security.password,
            ]
        } else {
            process.arguments = [
                "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox",
                mailbox.path + "/mail",
            ]
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<100 {
            if Self.accepts(port: port) { return }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        stop()
        throw StartError(
            description:
                "the SMTP server did not start; install Debian's python3-aiosmtpd (apt-get install python3-aiosmtpd)")
    }

    /// Stops the server, keeping the messages.
    ///
    /// SIGKILL, not `terminate()`: the child inherits the test process's signal mask, in which SIGTERM is
    /// blocked, so a SIGTERM left the server running after the tests ended.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        // Polled rather than waitUntilExit, which can wait on a run loop that never turns in a test task.
        for _ in 0..<200 where process.isRunning { usleep(20_000) }
        self.process = nil
    }

    /// The messages received so far, oldest first.
    func messages() throws -> [Message] {
        let directory = mailbox.path + "/mail/new"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return try names.map { directory + "/" + $0 }
            .sorted { (try? Self.modified($0)) ?? .distantPast < (try? Self.modified($1)) ?? .distantPast }
            .map { path in
                let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
                    of: "\r\n", with: "\n")
                let parts = text.components(separatedBy: "\n\n")
                var headers: [String: String] = [:]
                for line in parts[0].split(separator: "\n") {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                        .trimmingCharacters(in: .whitespaces)
                }
                return Message(headers: headers, body: parts.dropFirst().joined(separator: "\n\n"))
            }
    }

    private static func modified(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date ?? .distantPast
    }

    private static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw StartError(description: "socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw StartError(description: "cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
