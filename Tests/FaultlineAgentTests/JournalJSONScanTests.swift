import FaultlineCore
import Foundation
import Testing

@testable import FaultlineAgent

/// `faultline-agent scan` over `journalctl -o json` output, alone and mixed with plain lines.
@Suite("Scan of journalctl JSON")
struct JournalJSONScanTests {
    // MARK: - Lines as journalctl writes them

    /// Real `journalctl -o json` lines (systemd 252), cut down to fewer fields: a text message, a binary one
    /// (control characters and invalid UTF-8 make journalctl print bytes), one left out for its size, and one
    /// with escapes and characters outside the BMP.
    static let textLine = """
        {"MESSAGE":"connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1",\
        "PRIORITY":"3","__CURSOR":"s=53b209e782724b4bb00e7d62f268007e;i=1;b=6c7c6013a8674a9f90e3e1e0d2d7f5b6;\
        m=f4240;t=60a24181e4000;x=a04f3ab190ca3302","_BOOT_ID":"6c7c6013a8674a9f90e3e1e0d2d7f5b6",\
        "_SYSTEMD_UNIT":"nginx.service","SYSLOG_IDENTIFIER":"nginx","__REALTIME_TIMESTAMP":"1700000000000000",\
        "__MONOTONIC_TIMESTAMP":"1000000","_COMM":"nginx"}
        """
    static let binaryLine = """
        {"__REALTIME_TIMESTAMP":"1700000001000000","PRIORITY":"2","_SYSTEMD_UNIT":"api.service",\
        "MESSAGE":[98,105,110,97,114,121,32,1,2,32,255,32,100,97,116,97],"__MONOTONIC_TIMESTAMP":"1000001"}
        """
    static let leftOutLine = """
        {"__MONOTONIC_TIMESTAMP":"1000003","MESSAGE":null,"__REALTIME_TIMESTAMP":"1700000003000000",\
        "PRIORITY":"3","_COMM":"big"}
        """
    static let escapedLine = """
        {"_BOOT_ID":"6c7c6013a8674a9f90e3e1e0d2d7f5b6",\
        "MESSAGE":"unicode \\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\/\\n\\tx",\
        "PRIORITY":"6","SYSLOG_IDENTIFIER":"cron","_COMM":"u"}
        """

    private func entry(_ line: String) -> JournalJSONEntry? {
        var line = line
        return line.withUTF8 { JournalJSONEntry(parsing: $0) }
    }

    @Test func readsTheFieldsScanUses() throws {
        let text = try #require(entry(Self.textLine))
        let message = "connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1"
        #expect(text.message == Array(message.utf8))
        #expect(text.priority == 3)
        #expect(text.unit == "nginx.service" && text.identifier == "nginx" && text.command == "nginx")
        #expect(text.sourceIdentity == "nginx.service")

        let binary = try #require(entry(Self.binaryLine))
        #expect(binary.message == [98, 105, 110, 97, 114, 121, 32, 1, 2, 32, 255, 32, 100, 97, 116, 97])
        #expect(binary.priority == 2)
        #expect(binary.sourceIdentity == "api.service")

        let leftOut = try #require(entry(Self.leftOutLine))
        #expect(leftOut.message == nil)
        #expect(leftOut.sourceIdentity == "big")

        let escaped = try #require(entry(Self.escapedLine))
        #expect(escaped.message == Array("unicode é 😀 \"q\" \\ /\n\tx".utf8))
        #expect(escaped.priority == 6)
        #expect(escaped.sourceIdentity == "cron")
    }

    @Test func takesTheFirstValueOfAFieldThatOccursSeveralTimes() throws {
        let line =
            #"{"MESSAGE":["first",[115,101,99,111,110,100],null],"PRIORITY":["3","6"],"_SYSTEMD_UNIT":["a","b"]}"#
        let parsed = try #require(entry(line))
        #expect(parsed.message == Array("first".utf8))
        #expect(parsed.priority == 3)
        #expect(parsed.unit == "a")
    }

    @Test func aPriorityOutsideZeroToSevenIsNoPriority() throws {
        #expect(try #require(entry(#"{"MESSAGE":"m","PRIORITY":"8"}"#)).priority == nil)
        #expect(try #require(entry(#"{"MESSAGE":"m","PRIORITY":"03"}"#)).priority == nil)
        #expect(try #require(entry(#"{"MESSAGE":"m","PRIORITY":""}"#)).priority == nil)
    }

    @Test(arguments: [
        #"{"level":"error","msg":"not a journal entry: no MESSAGE"}"#,
        #"{"MESSAGE":"unterminated"#,
        #"{"MESSAGE":"m"} trailing"#,
        #"{"MESSAGE":"m",}"#,
        #"{"MESSAGE":"bad escape \q"}"#,
        #"{"MESSAGE":"lone \u12"}"#,
        #"{"MESSAGE":[1,256]}"#,
        #"{"MESSAGE":[1.5]}"#,
        #"{"MESSAGE":[[[1]]]}"#,
        #"{"MESSAGE":{"nested":true}}"#,
        #"{"MESSAGE":"m","other":01}"#,
        #"{"MESSAGE":"m","other":tru}"#,
        "{\"MESSAGE\":\"raw\tcontrol character\"}",
        "{ERROR this is a plain line}",
        "{",
        "{}",
    ])
    func anythingElseIsAPlainLine(_ line: String) {
        #expect(entry(line) == nil)
    }

    @Test func skipsMembersOfAnyJSONType() throws {
        let line = #"{ "a" : [1, -2.5e+3, true, false, null, {"b": ["c"]}], "MESSAGE" : "m" , "d": {} }"#
        #expect(try #require(entry(line)).message == Array("m".utf8))
        let deep = "{\"x\":" + String(repeating: "[", count: 10_000) + ",\"MESSAGE\":\"m\"}"
        #expect(entry(deep) == nil)
    }

    // MARK: - Scanning

    private func scan(_ lines: [String], options: FaultlineAgent.Scanner.Options = .init()) -> FaultlineAgent.Scanner {
        var scanner = FaultlineAgent.Scanner(options: options)
        for line in lines {
            var line = line
            line.withUTF8 { scanner.consume($0) }
        }
        return scanner
    }

    @Test func detectsJournalEntriesByPriorityAndNamesTheirSource() throws {
        var scanner = scan([Self.textLine, Self.binaryLine, Self.leftOutLine, Self.escapedLine])
        let groups = scanner.groups()
        #expect(groups.map(\.source).sorted() == ["api.service", "big", "nginx.service"])
        let nginx = try #require(groups.first { $0.source == "nginx.service" })
        #expect(nginx.severity == .err)
        #expect(
            nginx.template == "connect() failed (<num>: Connection refused) while connecting to upstream, client: <ip>")
        let api = try #require(groups.first { $0.source == "api.service" })
        #expect(api.severity == .crit)
        #expect(api.sample.hasPrefix("binary \u{1}\u{2} \u{FFFD} data"))
        let big = try #require(groups.first { $0.source == "big" })
        #expect(big.sample.contains("run it with --all"))

        var everything = scan(
            [Self.textLine, Self.binaryLine, Self.leftOutLine, Self.escapedLine],
            options: .init(signAllLines: true, source: "chosen")
        )
        #expect(everything.lineRecords().map(\.line) == [1, 2, 3, 4])
        #expect(Set(everything.groups().map(\.source)) == ["chosen"])
    }

    @Test func thePriorityDecidesNotTheWords() {
        let quietError = #"{"MESSAGE":"request served","PRIORITY":"3","_SYSTEMD_UNIT":"api.service"}"#
        let loudInfo = #"{"MESSAGE":"ERROR count is 0","PRIORITY":"6","_SYSTEMD_UNIT":"api.service"}"#
        let noPriority = #"{"MESSAGE":"FATAL no priority: the text decides","_COMM":"tool"}"#
        let warning = #"{"MESSAGE":"disk almost full","PRIORITY":"4","SYSLOG_IDENTIFIER":"df"}"#
        var scanner = scan([quietError, loudInfo, noPriority, warning])
        #expect(scanner.groups().map(\.sample).sorted() == ["FATAL no priority: the text decides", "request served"])

        var detector = ErrorDetector.Configuration()
        detector.maximumSeverity = .warning
        var withWarnings = scan([quietError, loudInfo, noPriority, warning], options: .init(detector: detector))
        #expect(withWarnings.groups().count == 3)
        #expect(withWarnings.groups().first { $0.source == "df" }?.severity == .warning)
    }

    @Test func mixesPlainAndJournalLines() throws {
        let lines = [
            "2026-11-21 10:00:01 ERROR payment 4711 failed",
            Self.textLine,
            "2026-11-21 10:00:02 INFO all good",
            "{ERROR a plain line that opens a brace}",
            Self.textLine.replacingOccurrences(of: "10.0.0.1", with: "10.0.0.2"),
            "2026-11-21 10:00:03 ERROR payment 4712 failed",
        ]
        var scanner = scan(lines)
        let records = scanner.lineRecords()
        #expect(records.map(\.line) == [1, 2, 4, 5, 6])
        #expect(records[1].fingerprint == records[3].fingerprint)
        #expect(records[0].fingerprint == records[4].fingerprint)
        let groups = scanner.groups()
        #expect(groups.map(\.count) == [2, 2, 1])
        #expect(groups.map(\.source) == ["", "nginx.service", ""])
        #expect(groups[2].template == "{ERROR a plain line that opens a brace}")
    }

    /// The same message from two units makes two groups: the source is part of the fingerprint.
    @Test func groupsByUnit() {
        func line(_ unit: String, _ user: String) -> String {
            #"{"MESSAGE":"session failed for user \#(user)","PRIORITY":"3","_SYSTEMD_UNIT":"\#(unit)"}"#
        }
        var scanner = scan(
            ["alice", "bob", "carol", "dave"].flatMap { [line("a.service", $0), line("b.service", $0)] })
        let groups = scanner.groups()
        #expect(groups.count == 2)
        #expect(groups.allSatisfy { $0.count == 4 && $0.template == "session failed for user <*>" })
        #expect(Set(groups.map(\.source)) == ["a.service", "b.service"])
    }

    // MARK: - Real journalctl output

    /// Writes real journal files, has `journalctl -o json` print them, and scans its output file.
    @Test func scansTheOutputOfTheRealJournalctl() throws {
        let journal = try JournalExportWriter()
        var entries: [JournalExportWriter.Entry] = []
        for port in [5432, 5433, 5434] {
            entries.append(
                .init("connection to db:\(port) refused", unit: "api.service", identifier: "api", priority: 3))
            entries.append(.init("GET /health 200 in \(port)us", unit: "api.service", identifier: "api", priority: 6))
        }
        entries.append(.init("connection to db:5432 refused", unit: "worker.service", priority: 3))
        entries.append(.init(bytes: Array("corrupt \u{1}\u{2} frame".utf8) + [0xFF], identifier: "kernel", priority: 2))
        entries.append(
            .init(
                "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad", identifier: "py",
                priority: 3))
        var command = JournalExportWriter.Entry("segfault at 0x0", priority: 3)
        command.fields.append(("_COMM", "crashy"))
        entries.append(command)
        entries.append(.init(String(repeating: "huge ", count: 1000), unit: "api.service", priority: 3))
        try journal.write(entries, to: "system.journal")

        let output = journal.path("entries.json")
        try runJournalctl(["--file=\(journal.path("system.journal"))", "-o", "json"], output: output)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.split(separator: "\n").count == entries.count)
        #expect(text.contains(#""MESSAGE":[99,111,114,114"#), "journalctl prints a binary message as bytes")
        #expect(text.contains(#""MESSAGE":null"#), "journalctl leaves out a message over 4096 bytes")

        var scanner = FaultlineAgent.Scanner(options: .init())
        try scanner.consume(path: output)
        let groups = scanner.groups()
        let summary = Dictionary(uniqueKeysWithValues: groups.map { ("\($0.source) \($0.template)", $0.count) })
        #expect(
            summary == [
                "api.service connection to db:<num> refused": 3,
                "worker.service connection to db:<num> refused": 1,
                "kernel corrupt frame\u{FFFD}": 1,
                "py ValueError": 1,
                "crashy segfault at <num>": 1,
                "api.service message left out by journalctl: over <size>; run it with --all": 1,
            ]
        )
        #expect(groups.first { $0.source == "kernel" }?.severity == .crit)

        var all = FaultlineAgent.Scanner(options: .init(signAllLines: true))
        try all.consume(path: output)
        #expect(all.lineRecords().map(\.line) == Array(1...entries.count))
    }

    private func runJournalctl(_ arguments: [String], output: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
