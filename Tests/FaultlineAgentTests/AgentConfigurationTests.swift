import FaultlineCore
import Foundation
import Testing

@testable import FaultlineAgent

/// Decoding, validating and printing `agent.toml`.
@Suite("AgentConfiguration")
struct AgentConfigurationTests {
    /// A file that sets every key, most of them away from their defaults.
    static let fullFile = """
        [agent]
        host = "web-1"
        state_directory = "/srv/faultline/state"
        flush_interval = "2s"
        heartbeat_interval = "30s"

        [collector]
        urls = ["https://collector-1.example:8443", "http://[2001:db8::1]:8080/faultline"]
        token_file = "/etc/faultline/token"
        ca_file = "/etc/faultline/ca.pem"
        insecure_skip_verify = true
        client_certificate = "/etc/faultline/client.pem"
        client_key = "/etc/faultline/client.key"
        connect_timeout = "3s"
        timeout = "45s"

        [spool]
        max_bytes = "256MiB"

        [detection]
        max_priority = "warning"
        extra_level_words = { OOPS = "err", Boom = "crit" }
        extra_markers = ["OutOfMemoryError"]

        [journald]
        enabled = true
        files = ["/srv/journal/system.journal"]
        units = ["nginx", "api.service"]
        identifiers = ["sshd"]
        start = "since:2026-11-21T00:00:00Z"
        max_message_bytes = "128KiB"

        [[files]]
        paths = ["/var/log/app/*.log", "/var/log/app/current"]
        exclude = ["*.gz"]
        app = "app"
        start = "beginning"
        max_line_bytes = "1MiB"
        multiline = "custom"
        multiline_start = "[0-9][0-9][0-9][0-9]-*"
        multiline_max_lines = 200
        multiline_timeout = "500ms"

        [[files]]
        paths = ["/var/log/worker.log"]
        multiline = "none"
        """

    // MARK: - Defaults and a full file

    @Test func anEmptyFileMeansEveryDefault() throws {
        let configuration = try AgentConfiguration.parse(text: "", fileName: "agent.toml")
        #expect(configuration == AgentConfiguration(fileName: "agent.toml"))
        #expect(configuration.host == "")
        #expect(configuration.stateDirectory == "/var/lib/faultline")
        #expect(configuration.flushInterval == .seconds(5))
        #expect(configuration.heartbeatInterval == .seconds(60))
        #expect(configuration.shipping.urls.isEmpty)
        #expect(configuration.shipping.tokenFile == "/etc/faultline/agent.token")
        #expect(configuration.shipping.timeout == .seconds(60))
        #expect(configuration.spool.maximumBytes == 64 << 20)
        #expect(configuration.detection.maximumPriority == .err)
        #expect(configuration.journal.isEnabled)
        #expect(configuration.journal.location == .local)
        #expect(configuration.journal.start == .tail)
        #expect(configuration.files.isEmpty)
        #expect(configuration.journalFilter == JournalFilter(maximumPriority: 3))
    }

    @Test func readsEveryKeyOfAFullFile() throws {
        let configuration = try AgentConfiguration.parse(text: Self.fullFile, fileName: "agent.toml")
        #expect(configuration.host == "web-1")
        #expect(configuration.stateDirectory == "/srv/faultline/state")
        #expect(configuration.flushInterval == .seconds(2))
        #expect(configuration.heartbeatInterval == .seconds(30))

        let shipping = configuration.shipping
        #expect(shipping.urls == ["https://collector-1.example:8443", "http://[2001:db8::1]:8080/faultline"])
        #expect(shipping.tokenFile == "/etc/faultline/token")
        #expect(shipping.insecureSkipVerify)
        #expect(shipping.connectTimeout == .seconds(3) && shipping.timeout == .seconds(45))
        let http = shipping.httpClientConfiguration
        #expect(http.tls.caFile == "/etc/faultline/ca.pem")
        #expect(http.tls.clientCertificateFile == "/etc/faultline/client.pem")
        #expect(http.tls.clientKeyFile == "/etc/faultline/client.key")
        #expect(http.totalTimeout == .seconds(45))

        #expect(configuration.spool.maximumBytes == 256 << 20)

        let detection = configuration.detection
        #expect(detection.maximumPriority == .warning)
        #expect(detection.extraLevelWords == ["OOPS": .err, "BOOM": .crit])
        let detector = ErrorDetector(configuration: detection.detectorConfiguration)
        #expect(detector.detect("OOPS the cache is gone") == .err)
        #expect(detector.detect("java.lang.OutOfMemoryError thrown") == .err)
        #expect(detector.detect("WARN disk almost full") == .warning)

        let journal = configuration.journal
        #expect(journal.location == .files(["/srv/journal/system.journal"]))
        #expect(journal.units == ["nginx.service", "api.service"])
        #expect(journal.identifiers == ["sshd"])
        #expect(journal.start == .since(try #require(WireTimestamp(iso8601: "2026-11-21T00:00:00Z"))))
        #expect(journal.maximumMessageBytes == 128 << 10)
        #expect(
            configuration.journalFilter
                == JournalFilter(units: ["nginx.service", "api.service"], identifiers: ["sshd"], maximumPriority: 4)
        )

        #expect(configuration.files.count == 2)
        let app = configuration.files[0]
        #expect(app.paths == ["/var/log/app/*.log", "/var/log/app/current"])
        #expect(app.exclude == ["*.gz"])
        #expect(app.identity == "app")
        #expect(app.start == .beginning)
        #expect(app.maximumLineBytes == 1 << 20)
        #expect(app.multiline.kind == .startPattern("[0-9][0-9][0-9][0-9]-*"))
        #expect(app.multiline.maximumLines == 200)
        #expect(app.multiline.timeout == .milliseconds(500))
        let worker = configuration.files[1]
        #expect(worker.identity == "/var/log/worker.log")
        #expect(worker.start == .end)
        #expect(worker.multiline.kind == .singleLine)
        #expect(worker.multiline.maximumLines == 500)
    }

    @Test func readsAJournalDirectory() throws {
        let text = "[journald]\ndirectory = \"/srv/journal\"\nstart = \"head\""
        let configuration = try AgentConfiguration.parse(text: text, fileName: "agent.toml")
        #expect(configuration.journal.location == .directory("/srv/journal"))
        #expect(configuration.journal.start == .head)
    }

    // MARK: - Errors naming the file, line and key

    @Test func namesAnUnknownKeyWithItsLineAndTheKeyItResembles() throws {
        let text = "[agent]\nhost = \"web-1\"\nflush_intervall = \"5s\"\n"
        let error = try #require(throws: ConfigurationError.self) {
            try AgentConfiguration.parse(text: text, fileName: "agent.toml")
        }
        #expect(error.code == .unknownKey)
        #expect(error.line == 3)
        #expect(
            error.description
                == "agent.toml:3: unknown key 'flush_intervall' in [agent]; did you mean 'flush_interval'?"
        )
    }

    @Test func namesAMisspelledRequiredKeyRatherThanItsAbsence() throws {
        // Without `paths` the section is incomplete, but the typo is what the operator must fix.
        let text = "[[files]]\npath = [\"/var/log/app.log\"]\n"
        let error = try #require(throws: ConfigurationError.self) {
            try AgentConfiguration.parse(text: text, fileName: "agent.toml")
        }
        #expect(error.code == .unknownKey)
        #expect(error.description == "agent.toml:2: unknown key 'path' in [[files]]; did you mean 'paths'?")
    }

    @Test func namesAnUnknownSection() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try AgentConfiguration.parse(text: "[journal]\nenabled = false\n", fileName: "agent.toml")
        }
        #expect(error.code == .unknownKey)
        #expect(error.description == "agent.toml:1: unknown table [journal]; did you mean 'journald'?")
    }

    /// A file with one bad value, the line it is on, and words the message must contain.
    struct BadValue: CustomTestStringConvertible, Sendable {
        var text: String
        var line: Int
        var message: String
        var testDescription: String { message }
    }

    static let badValues: [BadValue] = [
        .init(text: "[agent]\n\nflush_interval = \"5 seconds\"", line: 3, message: "'agent.flush_interval' must be"),
        .init(text: "[agent]\nheartbeat_interval = \"0s\"", line: 2, message: "'agent.heartbeat_interval' must be"),
        .init(text: "[spool]\nmax_bytes = \"64 mega\"", line: 2, message: "'spool.max_bytes' must be a size"),
        .init(text: "[spool]\nmax_bytes = \"10KiB\"", line: 2, message: "'spool.max_bytes' must be at least 1MiB"),
        .init(text: "[collector]\nurls = [\"ftp://c.example\"]", line: 2, message: "start with https:// or http://"),
        .init(text: "[collector]\nurls = [\"https://\"]", line: 2, message: "'collector.urls' holds \"https://\""),
        .init(text: "[collector]\nurls = [\"https://c:99999\"]", line: 2, message: "port must be a number"),
        .init(text: "[collector]\nurls = [\"https://u@c\"]", line: 2, message: "no user, query or fragment"),
        .init(text: "[collector]\ntoken_file = \"agent.token\"", line: 2, message: "must be an absolute path"),
        .init(text: "[collector]\nclient_key = \"/k.pem\"", line: 2, message: "'collector.client_key' needs"),
        .init(text: "[journald]\nstart = \"middle\"", line: 2, message: "'journald.start' must be \"head\""),
        .init(text: "[journald]\nstart = \"since:yesterday\"", line: 2, message: "found \"since:yesterday\""),
        .init(text: "[journald]\nunits = [\"nginx*\"]", line: 2, message: "give exact unit names"),
        .init(
            text: "[journald]\ndirectory = \"/j\"\nfiles = [\"/j/a.journal\"]", line: 3,
            message: "'journald.files' cannot be combined with 'journald.directory'"
        ),
        .init(text: "[journald]\nenabled = false", line: 2, message: "there is no [[files]] section"),
        .init(text: "[detection]\nmax_priority = \"urgent\"", line: 2, message: "must be a syslog priority"),
        .init(
            text: "[detection]\nextra_level_words = { OOPS = \"bad\" }", line: 2,
            message: "'detection.extra_level_words.OOPS' must be a syslog priority"
        ),
        .init(text: "[detection.extra_level_words]\nAB = \"err\"", line: 2, message: "is not a level word"),
        .init(text: "[[files]]\npaths = [\"logs/*.log\"]", line: 2, message: "every entry must be an absolute"),
        .init(text: "[[files]]\npaths = []", line: 2, message: "'files.paths' must name at least one file"),
        .init(text: "[[files]]\npaths = [\"/a\"]\nstart = \"now\"", line: 3, message: "'end', 'beginning'"),
        .init(text: "[[files]]\npaths = [\"/a\"]\nmultiline = \"java\"", line: 3, message: "'auto', 'none', 'custom'"),
        .init(text: "[[files]]\npaths = [\"/a\"]\nmultiline = \"custom\"", line: 3, message: "needs a pattern"),
        .init(
            text: "[[files]]\npaths = [\"/a\"]\nmultiline_start = \"x*\"", line: 3,
            message: "'files.multiline_start' is only used with multiline = \"custom\""
        ),
        .init(text: "[[files]]\npaths = [\"/a\"]\nmultiline_max_lines = 0", line: 3, message: "between 1 and"),
        .init(text: "[[files]]\npaths = [\"/a\"]\nmultiline_timeout = 0", line: 3, message: "longer than 0s"),
        .init(text: "[[files]]\npaths = [\"/a\"]\nmax_line_bytes = 16", line: 3, message: "at least 256 bytes"),
    ]

    @Test(arguments: badValues)
    func namesABadValueWithItsLineAndKey(_ bad: BadValue) throws {
        let error = try #require(throws: ConfigurationError.self) {
            try AgentConfiguration.parse(text: bad.text, fileName: "agent.toml")
        }
        #expect(error.line == bad.line)
        #expect(error.description.hasPrefix("agent.toml:\(bad.line): "))
        #expect(error.description.contains(bad.message), "\(error.description)")
    }

    // MARK: - Files

    @Test func aMissingFileAtAGivenPathIsAnError() throws {
        let directory = try TemporaryConfigurationDirectory()
        let path = directory.path("agent.toml")
        let error = try #require(throws: ConfigurationError.self) {
            try AgentConfiguration.load(path: path)
        }
        #expect(error.code == .fileNotFound)
        #expect(error.fileName == path)
        #expect(throws: ConfigurationError.self) { try AgentConfiguration.checkedConfigurationText(path: path) }
    }

    @Test func aMissingFileAtTheDefaultPathMeansEveryDefault() throws {
        let directory = try TemporaryConfigurationDirectory()
        let path = directory.path("agent.toml")
        let loaded = try AgentConfiguration.load(path: path, missingFileMeansDefaults: true)
        #expect(!loaded.fileExists)
        #expect(loaded.configuration == AgentConfiguration(fileName: path))
    }

    @Test func refusesToRunWithoutACollector() throws {
        let defaults = try AgentConfiguration.parse(text: "", fileName: "agent.toml")
        let error = try #require(throws: AgentConfigurationError.self) { try defaults.checkReadyToRun() }
        #expect(error.isMissingCollector)
        #expect(error.description.hasPrefix("agent.toml: no collector to ship to; set urls in the [collector]"))

        let configured = try AgentConfiguration.parse(text: Self.fullFile, fileName: "agent.toml")
        try configured.checkReadyToRun()
    }

    // MARK: - check-config

    @Test func checkConfigOutputReadsBackAsTheSameConfiguration() throws {
        let directory = try TemporaryConfigurationDirectory()
        let files = [("full.toml", Self.fullFile), ("empty.toml", ""), ("files.toml", "[[files]]\npaths = [\"/a\"]")]
        for (name, text) in files {
            let path = directory.path(name)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let output = try AgentConfiguration.checkedConfigurationText(path: path)
            #expect(output.hasPrefix("# Effective configuration of \(path), defaults included.\n"))
            let original = try AgentConfiguration.load(path: path)
            let readBack = try AgentConfiguration.parse(text: output, fileName: path)
            #expect(readBack == original, "\(name)")
            // Printing what was printed changes nothing: every setting was already there.
            try output.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try AgentConfiguration.checkedConfigurationText(path: path) == output, "\(name)")
        }
    }

    @Test func checkConfigPrintsEveryDefaultAndWarnsAboutAMissingCollector() throws {
        let directory = try TemporaryConfigurationDirectory()
        let path = directory.path("agent.toml")
        try "".write(toFile: path, atomically: true, encoding: .utf8)
        let output = try AgentConfiguration.checkedConfigurationText(path: path)
        #expect(output.contains("# Warning: \(path): no collector to ship to"))
        for line in [
            "[agent]", "host = \"\"", "flush_interval = \"5s\"", "heartbeat_interval = \"1m\"", "[collector]",
            "urls = []", "token_file = \"/etc/faultline/agent.token\"", "timeout = \"1m\"", "[spool]",
            "max_bytes = \"64MiB\"", "[detection]", "max_priority = \"err\"", "[journald]", "enabled = true",
            "start = \"tail\"", "files = []",
        ] {
            #expect(output.split(separator: "\n").contains(Substring(line)), "\(line)")
        }
    }
}

/// A temporary directory, removed when the value is released.
private final class TemporaryConfigurationDirectory {
    /// The directory's URL.
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("faultline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// The path of `name` in the directory.
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }
}
