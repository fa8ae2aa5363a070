import FaultlineCore
import Foundation
import Testing

/// Templates and fingerprints of single-line messages: every placeholder class, the fingerprint's
/// format, and a golden value that pins the algorithm.
@Suite struct FingerprinterTests {
    /// One message and the template it must give.
    struct Case: Sendable, CustomTestStringConvertible {
        var message: String
        var template: String
        var testDescription: String { message.debugDescription }

        init(_ message: String, _ template: String) {
            self.message = message
            self.template = template
        }
    }

    /// Signs `message` with a fixed source.
    private func template(_ message: String) -> String {
        Fingerprinter().sign(message, source: "test.service").template
    }

    // MARK: - Placeholders

    @Test(arguments: [
        Case("request 42 failed with status 503", "request <num> failed with status <num>"),
        Case("balance is -42.5 now", "balance is <num> now"),
        Case("processed 1,234 records", "processed <num> records"),
        Case("allocated block at 0x7ffd3a2b", "allocated block at <num>"),
    ])
    func numbers(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test(arguments: [
        Case("commit 3f9a2b7c1d4e5f60 pushed", "commit <hex> pushed"),
        Case("object deadbeef12 stored", "object <hex> stored"),
    ])
    func hexStrings(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test func uuid() {
        #expect(
            template("request 550e8400-e29b-41d4-a716-446655440000 timed out") == "request <uuid> timed out"
        )
    }

    @Test(arguments: [
        Case("connection to 10.0.0.7 refused after 3 retries", "connection to <ip> refused after <num> retries"),
        Case("accepted connection from 192.168.1.20:54321", "accepted connection from <ip>"),
        Case("listening on fe80::1ff:fe23:4567:890a", "listening on <ip>"),
        Case("connect to ::1 failed", "connect to <ip> failed"),
        Case("listening on [2001:db8::1]:8080", "listening on [<ip>]:<num>"),
    ])
    func ipAddresses(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test(arguments: [
        Case("cannot open /var/log/app/server.log", "cannot open <path>"),
        Case("cannot open ./config/app.yaml", "cannot open <path>"),
        Case("open ~/cache/index failed", "open <path> failed"),
        Case(#"read C:\Windows\system32\foo.dll"#, "read <path>"),
        Case("path /etc/passwd: permission denied", "path <path>: permission denied"),
    ])
    func paths(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test(arguments: [
        Case("Sun Jul  3 10:05:25 2005 kernel started", "<time> kernel started"),
        Case("Jul  3 10:05:25 host sshd[4242]: session opened", "<time> host sshd[<num>]: session opened"),
        Case("started at 2026-11-21T10:00:00Z", "started at <time>"),
        Case("started at 2026-11-21T10:00:00.123+01:00", "started at <time>"),
        Case("2026-11-21 10:00:00,123 worker started", "<time> worker started"),
        Case("error at 10:05:25 in worker", "error at <time> in worker"),
    ])
    func times(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test(arguments: [
        Case("request took 250ms", "request took <duration>"),
        Case("retrying in 3 seconds", "retrying in <duration>"),
        Case("timeout after 30s", "timeout after <duration>"),
        Case("done (250ms)", "done (<duration>)"),
        Case("took 3 sec.", "took <duration>."),
    ])
    func durations(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test(arguments: [
        Case("uploaded 5.2 KB", "uploaded <size>"),
        Case("wrote 5.2KB to disk", "wrote <size> to disk"),
        Case("free 512 MB left", "free <size> left"),
        Case("uploaded 5.2 KB in 3 seconds", "uploaded <size> in <duration>"),
    ])
    func sizes(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test func email() {
        #expect(template("mail sent to bob@example.com") == "mail sent to <email>")
    }

    @Test(arguments: [
        Case("fetching https://api.example.com/v1/users?id=42", "fetching <url>"),
        Case("see (https://example.com/docs).", "see (<url>)."),
    ])
    func urls(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test(arguments: [
        Case(#"login failed for user="bob smith""#, "login failed for user=<quoted>"),
        Case(#"pid=1234 uid=0 comm="bash" exited"#, "pid=<num> uid=<num> comm=<quoted> exited"),
        Case("unknown option 'x'", "unknown option <quoted>"),
        Case("it's a 'x' here", "it's a <quoted> here"),
    ])
    func quotedValues(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test(arguments: [
        Case("feature enabled=true", "feature enabled=<bool>"),
        Case("cache hit=false", "cache hit=<bool>"),
        Case("flag is TRUE", "flag is <bool>"),
        Case("value null found", "value <bool> found"),
    ])
    func booleans(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test(arguments: [
        Case("job worker-17 finished", "job <*> finished"),
        Case("task id=abc123 done", "task id=<*> done"),
        Case("status code=ok", "status code=<*>"),
        Case("retry (3/5)", "retry (<*>)"),
        Case("job finished (id7)", "job finished (<*>)"),
    ])
    func wildcards(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test(arguments: [
        Case("session closed for user alice", "session closed for user alice"),
        Case("foo() called", "foo() called"),
        Case("a,b,c 1,2,3", "a,b,c <num>"),
    ])
    func constantWordsStay(_ example: Case) {
        #expect(template(example.message) == example.template)
    }

    @Test func whiteSpaceAndLineBreaksCollapse() {
        #expect(template("  disk   full\ton\r\n/dev/sda1  ") == "disk full on <path>")
    }

    // MARK: - Fingerprints

    @Test func sameTemplateGivesSameFingerprint() {
        let first = Fingerprinter().sign("connection to 10.0.0.7 refused after 3 retries", source: "api.service")
        let second = Fingerprinter().sign("connection to 192.168.4.20 refused after 12 retries", source: "api.service")
        #expect(first.template == second.template)
        #expect(first.fingerprint == second.fingerprint)
        #expect(first.fingerprint == Fingerprinter.fingerprint(template: first.template, source: "api.service"))
        #expect(first.algorithm == Fingerprinter.algorithmVersion)
    }

    @Test func differentTemplateGivesDifferentFingerprint() {
        let refused = Fingerprinter().sign("connection to 10.0.0.7 refused after 3 retries", source: "api.service")
        let reset = Fingerprinter().sign("connection to 10.0.0.7 reset after 3 retries", source: "api.service")
        #expect(refused.fingerprint != reset.fingerprint)
    }

    @Test func differentSourceGivesDifferentFingerprint() {
        let message = "connection to 10.0.0.7 refused after 3 retries"
        let api = Fingerprinter().sign(message, source: "api.service")
        let worker = Fingerprinter().sign(message, source: "worker.service")
        #expect(api.template == worker.template)
        #expect(api.fingerprint != worker.fingerprint)
    }

    /// The source and template are hashed with a NUL between them, so moving bytes from one to the other
    /// changes the fingerprint.
    @Test func sourceAndTemplateDoNotRunTogether() {
        #expect(
            Fingerprinter.fingerprint(template: "b c", source: "a")
                != Fingerprinter.fingerprint(template: "c", source: "a b")
        )
    }

    @Test func fingerprintPrintsAsSixteenLowerCaseHexDigits() throws {
        let fingerprint = Fingerprinter().sign("ERROR disk full on /dev/sda1", source: "api.service").fingerprint
        let text = fingerprint.description
        #expect(text.utf8.count == 16)
        #expect(text.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(text == String(fingerprint.rawValue, radix: 16).leftPadded(to: 16))
        #expect(Fingerprint(hex: text) == fingerprint)

        #expect(Fingerprint(rawValue: 0xab).description == "00000000000000ab")
        #expect(Fingerprint(rawValue: .max).description == "ffffffffffffffff")
        #expect(Fingerprint(rawValue: 0).description == "0000000000000000")
    }

    @Test(arguments: [
        "", "abc", "0123456789abcde", "0123456789abcdef0", "0123456789abcdeg", "+123456789abcdef",
        "-000000000000001",
        "-000000000000000", " 123456789abcdef", "0x23456789abcdef",
    ])
    func fingerprintRejectsAnythingButSixteenHexDigits(_ text: String) {
        #expect(Fingerprint(hex: text) == nil)
    }

    @Test func fingerprintParsesUpperCase() {
        #expect(Fingerprint(hex: "ABCDEF0123456789")?.rawValue == 0xabcd_ef01_2345_6789)
    }

    /// Pins the algorithm: XXH64 of the template seeded with XXH64 of the version byte, NUL and the source.
    /// The value comes from the reference implementation (Python's `xxhash` package):
    /// `xxh64(template, seed=xxh64(b"\x01\x00" + source).intdigest())`.
    ///
    /// A change here changes every stored fingerprint and therefore requires bumping
    /// `Fingerprinter.algorithmVersion` (then update this value).
    @Test func goldenFingerprint() {
        let fingerprint = Fingerprinter.fingerprint(
            template: "connection to <ip> refused after <num> retries",
            source: "api.service"
        )
        #expect(Fingerprinter.algorithmVersion == 1)
        #expect(fingerprint.description == "8c3a7a6d677aacf0")
        #expect(
            Fingerprinter().sign("connection to 10.0.0.7 refused after 3 retries", source: "api.service").fingerprint
                == fingerprint
        )
    }
}

extension String {
    /// The string with `0`s added in front up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

/// Fingerprints must not depend on the process: Swift's `Hasher` is seeded per process, XXH64 is not.
/// Runs the built `faultline-agent scan --all --lines` twice and compares both runs with each other and
/// with the library in this process.
@Suite struct CrossProcessDeterminismTests {
    /// Lines covering every placeholder class, plus some plain text.
    static let lines = [
        "connection to 10.0.0.7 refused after 3 retries",
        "listening on [2001:db8::1]:8080",
        "request 550e8400-e29b-41d4-a716-446655440000 timed out",
        "commit 3f9a2b7c1d4e5f60 pushed",
        "cannot open /var/log/app/server.log",
        "Sun Jul  3 10:05:25 2005 kernel started",
        "2026-11-21 10:00:00,123 worker started",
        "uploaded 5.2 KB in 3 seconds",
        "mail sent to bob@example.com",
        "fetching https://api.example.com/v1/users?id=42",
        #"login failed for user="bob smith""#,
        "feature enabled=true",
        "job worker-17 finished",
        "session closed for user alice",
        "ERROR disk full",
        "héllo wörld ünïcode 42",
    ]

    /// One `--lines` record: line number, fingerprint and template.
    struct Record: Equatable, CustomStringConvertible {
        var line: Int
        var fingerprint: String
        var template: String
        var description: String { "\(line) \(fingerprint) \(template)" }
    }

    /// Runs `faultline-agent scan --all --lines --source x FILE` and parses its JSON Lines output.
    private func scan(_ file: URL) throws -> [Record] {
        let result = try SubprocessRunner.runAgent(["scan", "--all", "--lines", "--source", "x", file.path])
        try #require(result.status == 0, "faultline-agent failed: \(result.stderr)")
        return try result.stdoutText.split(separator: "\n").map { line in
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                "not a JSON object: \(line)"
            )
            return Record(
                line: try #require(object["line"] as? Int),
                fingerprint: try #require(object["fingerprint"] as? String),
                template: try #require(object["template"] as? String)
            )
        }
    }

    @Test func twoProcessesAndThisOneAgree() throws {
        let (first, second) = try TemporaryDirectory.with { directory in
            let file = try directory.file("input.log", contents: Self.lines.joined(separator: "\n") + "\n")
            return (try scan(file), try scan(file))
        }
        let expected = Self.lines.enumerated().map { index, line in
            let signature = Fingerprinter().sign(line, source: "x")
            return Record(line: index + 1, fingerprint: signature.fingerprint.description, template: signature.template)
        }

        #expect(first.count == Self.lines.count)
        #expect(first == second)
        #expect(first == expected)
    }
}
