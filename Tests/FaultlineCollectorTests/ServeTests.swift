import FaultlineCollector
import FaultlineCore
import FaultlineTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `faultline-collector serve` as systemd runs it: the built program as a child process with a notification
/// socket, a real SQLite file, a real SMTP server, requests over loopback. One ticket's whole story, from the
/// first error to the resolution email, then SIGTERM.
@Suite(.serialized) struct ServeTests {
    struct CommandError: Error, CustomStringConvertible {
        var description: String
    }

    /// The collector's files, its SMTP server and its admin commands.
    final class Collector {
        let directory: ScratchDirectory
        let smtp: TestSMTPServer
        let port: Int
        let configuration: String
        let executable: URL

        init() throws {
            directory = try ScratchDirectory(prefix: "faultline-serve")
            smtp = try TestSMTPServer()
            try smtp.start()
            port = try TestSMTPServer.freePort()
            executable = try BuiltExecutable.url(named: "faultline-collector", override: "FAULTLINE_COLLECTOR")
            configuration = directory.file("collector.toml")
            try "admin-token-0123456789abcdef\n".write(
                toFile: directory.file("admin.token"), atomically: true, encoding: .utf8)
            try """
            [server]
            listen = "127.0.0.1:\(port)"
            admin_token_file = "\(directory.file("admin.token"))"
            public_url = "https://faultline.test/"

            [database]
            url = "sqlite://\(directory.file("collector.db"))"

            [tickets]
            validation_window = "2s"
            validation_check_interval = "1s"

            [mail]
            smtp_url = "\(smtp.url)"
            from = "faultline@collector.test"
            starttls = "none"
            rate_limit = "0s"
            retry_initial = "1s"
            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        }

        /// Runs an admin command to its end; returns its standard output, trimmed.
        @discardableResult
        func command(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments + ["--config", configuration]
            process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CommandError(description: "\(arguments) exited with \(process.terminationStatus)")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// An HTTP request with curl: the status and the body.
        func request(
            _ method: String, _ path: String, token: String? = nil, body: [UInt8]? = nil
        ) throws -> (status: Int, body: String) {
            let bodyFile = directory.file("request.body")
            let responseFile = directory.file("response.body")
            var arguments = ["-sS", "-X", method, "-o", responseFile, "-w", "%{http_code}"]
            if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
            if let body {
                try Data(body).write(to: URL(fileURLWithPath: bodyFile))
                arguments += ["-H", "Content-Type: application/json", "--data-binary", "@\(bodyFile)"]
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = arguments + ["http://127.0.0.1:\(port)\(path)"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let status = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let text = (try? String(contentsOfFile: responseFile, encoding: .utf8)) ?? ""
            return (Int(status) ?? 0, text)
        }

        func json(_ path: String, token: String) throws -> [String: Any] {
            let response = try request("GET", path, token: token)
            return try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// Waits up to `limit` for `condition`.
    static func eventually(_ limit: Duration = .seconds(20), _ condition: () throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try condition()
    }

    /// The notifications up to the first that contains `wanted`.
    static func notifications(until wanted: String, from listener: SystemdDatagramListener) throws -> [String] {
        var seen: [String] = []
        while let text = try listener.receiveText(timeout: .seconds(60)) {
            seen.append(text)
            if text.contains(wanted) { break }
        }
        return seen
    }

    @Test func aTicketsWholeStoryThroughTheRunningCollector() async throws {
        let collector = try Collector()
        try collector.command(["client", "add", "acme", "--email", "ops@acme.example"])
        let agentToken = try collector.command(["token", "issue", "--client", "acme"])
        let technician = try collector.command(["user", "add", "tess", "--role", "technician"])
        #expect(agentToken.hasPrefix("flt_") && technician.hasPrefix("flt_"))

        let listener = try SystemdDatagramListener.inNewDirectory()
        let serve = Process()
        serve.executableURL = collector.executable
        serve.arguments = ["serve", "--config", collector.configuration]
        serve.environment = [
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "2000000",
        ]
        let log = try FileHandle(
            forWritingTo: URL(
                fileURLWithPath: { () -> String in
                    let path = collector.directory.file("serve.log")
                    FileManager.default.createFile(atPath: path, contents: nil)
                    return path
                }()))
        serve.standardOutput = log
        serve.standardError = log
        try serve.run()
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }

        // READY once it listens, then watchdog pings (every second: half of WATCHDOG_USEC).
        let ready = try Self.notifications(until: "READY=1", from: listener)
        #expect(ready.last?.contains("STATUS=listening on 127.0.0.1:\(collector.port)") == true)
        #expect(try Self.notifications(until: "WATCHDOG=1", from: listener).last?.contains("WATCHDOG=1") == true)
        #expect(try collector.request("GET", "/healthz").status == 200)

        // The first error opens a ticket and emails the client, text and HTML.
        let now = WireTimestamp.now()
        let batch = TestBatches.batch(
            "serve-1", groups: [TestBatches.group("disk /dev/sda1 is full", at: now)], windowEnd: now)
        let posted = try collector.request("POST", "/api/v1/batches", token: agentToken, body: TestBatches.json(batch))
        #expect(posted.status == 200)
        let opened = try await Self.eventually {
            try collector.smtp.messages().contains { ($0.headers["subject"] ?? "").contains("New error") }
        }
        #expect(opened)
        let openedMail = try #require(try collector.smtp.messages().first)
        #expect(openedMail.headers["content-type"]?.hasPrefix("multipart/alternative") == true)
        #expect(openedMail.body.contains("https://faultline.test/tickets/1"))
        #expect(openedMail.body.contains("Content-Type: text/html; charset=utf-8"))

        // A technician records the fix; the clean window closes the ticket and the client hears of it.
        #expect(
            try collector.request(
                "POST", "/api/v1/tickets/1/fix", token: technician, body: Array(#"{"note": "bigger disk"}"#.utf8)
            ).status == 200)
        let closed = try await Self.eventually {
            (try collector.json("/api/v1/tickets/1", token: technician)["ticket"] as? [String: Any])?["status"]
                as? String == "closed"
        }
        #expect(closed)
        let resolved = try await Self.eventually {
            try collector.smtp.messages().contains { ($0.headers["subject"] ?? "").contains("Resolved") }
        }
        #expect(resolved)
        let history = try collector.json("/api/v1/tickets/1", token: technician)["history"] as? [[String: Any]] ?? []
        let kinds = history.compactMap { $0["kind"] as? String }
        #expect(kinds.first == "created")
        #expect(kinds.contains("fix_recorded") && kinds.contains("auto_closed") && kinds.contains("email_sent"))
        #expect(history.contains { $0["kind"] as? String == "fix_recorded" && $0["actor"] as? String == "tess" })

        // Prometheus: the store's gauges and the requests served.
        let metrics = try collector.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"faultline_tickets{status="closed"} 1"#))
        #expect(metrics.body.contains("faultline_outbox_pending 0"))
        #expect(metrics.body.contains("hb_requests"))

        // SIGTERM: STOPPING=1, then a clean exit.
        kill(serve.processIdentifier, SIGTERM)
        #expect(try Self.notifications(until: "STOPPING=1", from: listener).last?.contains("STOPPING=1") == true)
        let exited = try await Self.eventually(.seconds(15)) { !serve.isRunning }
        #expect(exited)
        #expect(serve.terminationStatus == 0)
    }
}
