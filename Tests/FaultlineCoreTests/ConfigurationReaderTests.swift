import FaultlineTestSupport
import Testing

@testable import FaultlineCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A configuration shaped like the agent's, decoded the way real components decode theirs.
private struct SampleConfiguration: Equatable {
    enum Priority: String, CaseIterable, Sendable {
        case emerg, alert, crit, err, warning, notice, info, debug
    }

    struct Source: Equatable {
        var path = ""
        var label = "app"
        var multilineStart: String?

        init(from table: ConfigurationTable) throws(ConfigurationError) {
            path = try table.string("path", default: path)
            label = try table.string("label", default: label)
            multilineStart = try table.table("multiline").string("start")
        }
    }

    var host = "localhost"
    var flushInterval = Duration.seconds(5)
    var units: [String] = []
    var priority = Priority.err
    var workers = 2
    var compress = true
    var jitter = 0.5
    var spoolPath = "/var/lib/faultline/spool.sqlite"
    var spoolMaximumBytes = 64 << 20
    var sources: [Source] = []

    init(from reader: ConfigurationReader) throws(ConfigurationError) {
        let agent = try reader.root.table("agent")
        host = try agent.string("host", default: host)
        flushInterval = try agent.duration("flush_interval", default: flushInterval)
        units = try agent.stringArray("units", default: units)
        priority = try agent.choice("priority", default: priority)
        workers = try agent.integer("workers", default: workers, in: 1...64)
        compress = try agent.bool("compress", default: compress)
        jitter = try agent.float("jitter", default: jitter)

        let spool = try reader.root.table("spool")
        spoolPath = try spool.string("path", default: spoolPath)
        spoolMaximumBytes = try spool.byteSize("max_bytes", default: spoolMaximumBytes)

        sources = try reader.root.tables("sources").map { table throws(ConfigurationError) in
            try Source(from: table)
        }
        try reader.root.rejectUnknownKeys()
    }
}

/// Decodes `text` as `agent.toml` into the sample configuration.
private func decode(_ text: String) throws(ConfigurationError) -> SampleConfiguration {
    try SampleConfiguration(from: ConfigurationReader(parsing: text, fileName: "agent.toml"))
}

/// The error message for decoding `text`, or `nil` (and a recorded issue) when it decodes.
private func decodeError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    do {
        _ = try decode(text)
        Issue.record("expected a configuration error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error.description
    }
}

/// Reads one key of `[agent]` with `read`, from a file holding only `agent.<key> = <literal>`.
private func readAgentKey<Value>(
    _ literal: String,
    _ read: (ConfigurationTable) throws(ConfigurationError) -> Value
) throws(ConfigurationError) -> Value {
    let reader = try ConfigurationReader(parsing: "[agent]\nkey = \(literal)\n", fileName: "agent.toml")
    return try read(reader.root.table("agent"))
}

@Suite struct ConfigurationReaderTests {
    // MARK: - Defaults and values

    @Test func emptyFileGivesDefaults() throws {
        let reader = try ConfigurationReader(parsing: "# nothing set\n", fileName: "agent.toml")
        let configuration = try SampleConfiguration(from: reader)
        #expect(configuration.host == "localhost")
        #expect(configuration.flushInterval == .seconds(5))
        #expect(configuration.priority == .err)
        #expect(configuration.spoolMaximumBytes == 64 << 20)
        #expect(configuration.sources.isEmpty)
        #expect(
            reader.effectiveConfiguration.rendered() == """
                sources = []

                [agent]
                host = "localhost"
                flush_interval = "5s"
                units = []
                priority = "err"
                workers = 2
                compress = true
                jitter = 0.5

                [spool]
                path = "/var/lib/faultline/spool.sqlite"
                max_bytes = "64MiB"

                """
        )
    }

    @Test func valuesComeFromTheFile() throws {
        let configuration = try decode(
            """
            [agent]
            host = "web-1"
            flush_interval = "250ms"
            units = ["api.service", "worker.service"]
            priority = "warning"
            workers = 8
            compress = false
            jitter = 1

            [spool]
            max_bytes = "1GiB"

            [[sources]]
            path = "/var/log/app.log"
            [sources.multiline]
            start = "^\\\\d{4}-"

            [[sources]]
            path = "/var/log/other.log"
            label = "other"
            """
        )
        #expect(configuration.host == "web-1")
        #expect(configuration.flushInterval == .milliseconds(250))
        #expect(configuration.units == ["api.service", "worker.service"])
        #expect(configuration.priority == .warning)
        #expect(configuration.workers == 8)
        #expect(configuration.compress == false)
        #expect(configuration.jitter == 1.0)
        #expect(configuration.spoolPath == "/var/lib/faultline/spool.sqlite")
        #expect(configuration.spoolMaximumBytes == 1 << 30)
        #expect(configuration.sources.map(\.path) == ["/var/log/app.log", "/var/log/other.log"])
        #expect(configuration.sources.map(\.label) == ["app", "other"])
        #expect(configuration.sources.map(\.multilineStart) == [#"^\d{4}-"#, nil])
    }

    @Test func inlineArrayOfTablesWorksLikeHeaders() throws {
        let configuration = try decode(#"sources = [{ path = "/a" }, { path = "/b", multiline = { start = "x" } }]"#)
        #expect(configuration.sources.map(\.path) == ["/a", "/b"])
        #expect(configuration.sources.map(\.multilineStart) == [nil, "x"])
    }

    @Test func effectiveConfigurationReadsBackToTheSameSettings() throws {
        let text = """
            [agent]
            host = "web-1"
            flush_interval = 90
            workers = 4

            [spool]
            max_bytes = 1_000_000

            [[sources]]
            path = "/var/log/app.log"
            multiline.start = "^\\\\S"
            """
        let reader = try ConfigurationReader(parsing: text, fileName: "agent.toml")
        let original = try SampleConfiguration(from: reader)
        let effective = reader.effectiveConfiguration.rendered()
        #expect(effective.contains("flush_interval = \"1m30s\"\n"))
        #expect(effective.contains("max_bytes = \"1MB\"\n"))
        #expect(
            effective.contains("[[sources]]\npath = \"/var/log/app.log\"\nlabel = \"app\"\n\n[sources.multiline]\n"))
        let reread = try SampleConfiguration(from: ConfigurationReader(parsing: effective, fileName: "effective.toml"))
        #expect(reread == original)
    }

    @Test func effectiveConfigurationKeepsUnitsAsWritten() throws {
        let reader = try ConfigurationReader(
            parsing: "[agent]\nflush_interval = '1h30m'\n[spool]\nmax_bytes = '512KB'",
            fileName: "agent.toml"
        )
        _ = try SampleConfiguration(from: reader)
        let effective = reader.effectiveConfiguration.rendered()
        #expect(effective.contains("flush_interval = \"1h30m\"\n"))
        #expect(effective.contains("max_bytes = \"512KB\"\n"))
    }

    // MARK: - Unknown keys

    @Test(arguments: [
        (
            "[agent]\nhost = 'a'\nflush_intervall = '5s'",
            "agent.toml:3: unknown key 'flush_intervall' in [agent]; did you mean 'flush_interval'?"
        ),
        ("verbose = true", "agent.toml:1: unknown key 'verbose' at the top level"),
        ("[spol]\npath = '/x'", "agent.toml:1: unknown table [spol]; did you mean 'spool'?"),
        ("spool.paht = '/x'", "agent.toml:1: unknown key 'paht' in [spool]; did you mean 'path'?"),
        ("[[sourcez]]\npath = '/x'", "agent.toml:1: unknown table [[sourcez]]; did you mean 'sources'?"),
        (
            "[[sources]]\npath = '/x'\n[[sources]]\npathh = '/y'",
            "agent.toml:4: unknown key 'pathh' in [[sources]]; did you mean 'path'?"
        ),
        (
            "[[sources]]\n[sources.multiline]\nstart = 'a'\nend = 'b'",
            "agent.toml:4: unknown key 'end' in [sources.multiline]"
        ),
        ("[agent]\n\"odd key\" = 1", "agent.toml:2: unknown key '\"odd key\"' in [agent]"),
        ("[spool]\nzzz = 1\n[agent]\naaa = 1\n[extra]", "agent.toml:2: unknown key 'zzz' in [spool]"),
    ])
    func unknownKeysAreNamedWithTheirLine(input: String, message: String) {
        #expect(decodeError(input) == message)
    }

    @Test func unknownKeyErrorHasItsCode() throws {
        let reader = try ConfigurationReader(parsing: "a = 1\nb = 2", fileName: "agent.toml")
        _ = try reader.root.integer("a", default: 0)
        let error = #expect(throws: ConfigurationError.self) { try reader.root.rejectUnknownKeys() }
        #expect(error?.code == .unknownKey)
        #expect(error?.line == 2)
        _ = try reader.root.integer("b", default: 0)
        #expect(throws: Never.self) { try reader.root.rejectUnknownKeys() }
    }

    @Test func rejectUnknownKeysOnASubtableChecksOnlyThatTable() throws {
        let reader = try ConfigurationReader(parsing: "other = 1\n[spool]\npath = 'x'", fileName: "agent.toml")
        let spool = try reader.root.table("spool")
        _ = try spool.string("path", default: "")
        #expect(throws: Never.self) { try spool.rejectUnknownKeys() }
        #expect(throws: ConfigurationError.self) { try reader.root.rejectUnknownKeys() }
    }

    @Test func keysOfADataTableCanBeRead() throws {
        let reader = try ConfigurationReader(parsing: "[labels]\nenv = 'prod'\nteam = 'core'", fileName: "agent.toml")
        let labels = try reader.root.table("labels")
        var read: [String: String] = [:]
        for key in labels.keys {
            read[key] = try labels.string(key, default: "")
        }
        #expect(read == ["env": "prod", "team": "core"])
        #expect(labels.contains("env") && !labels.contains("nope"))
        #expect(throws: Never.self) { try reader.root.rejectUnknownKeys() }
    }

    // MARK: - Types and values

    @Test(arguments: [
        ("[agent]\nhost = 80", "agent.toml:2: 'agent.host' must be a string, found integer"),
        ("[agent]\n\nworkers = '4'", "agent.toml:3: 'agent.workers' must be an integer, found string"),
        ("[agent]\nworkers = 4.0", "agent.toml:2: 'agent.workers' must be an integer, found float"),
        ("[agent]\ncompress = 'yes'", "agent.toml:2: 'agent.compress' must be a boolean, found string"),
        ("[agent]\njitter = true", "agent.toml:2: 'agent.jitter' must be a float, found boolean"),
        ("[agent]\nunits = 'api.service'", "agent.toml:2: 'agent.units' must be an array of strings, found string"),
        (
            "[agent]\nunits = [1, 2]",
            "agent.toml:2: 'agent.units' must be an array of strings, found an array of integers"
        ),
        (
            "[agent]\nunits = ['a', 2]",
            "agent.toml:2: 'agent.units' must be an array of strings, found an array mixing string and integer"
        ),
        ("agent = 1", "agent.toml:1: 'agent' must be a table, found integer"),
        (
            "[sources]\npath = '/x'",
            "agent.toml:1: 'sources' must be an array of tables ([[sources]] sections), found table"
        ),
        (
            "sources = ['/x']",
            "agent.toml:1: 'sources' must be an array of tables ([[sources]] sections), found an array of strings"
        ),
        ("[agent]\nworkers = 0", "agent.toml:2: 'agent.workers' must be between 1 and 64, found 0"),
        (
            "[agent]\npriority = 'errr'",
            "agent.toml:2: 'agent.priority' must be one of 'emerg', 'alert', 'crit', 'err', 'warning', 'notice', "
                + "'info', 'debug', found 'errr'; did you mean 'err'?"
        ),
        (
            "[spool]\nmax_bytes = true",
            "agent.toml:2: 'spool.max_bytes' must be a size such as \"64MiB\", \"512KB\", \"1GiB\" "
                + "or a number of bytes, found boolean"
        ),
        (
            "[agent]\nflush_interval = '5 sec'",
            "agent.toml:2: 'agent.flush_interval' must be a duration such as \"5s\", \"250ms\", \"2m\" or \"24h\", "
                + "found \"5 sec\""
        ),
    ])
    func badValuesNameTheKeyAndLine(input: String, message: String) {
        #expect(decodeError(input) == message)
    }

    @Test func typeErrorsHaveTheirCodes() throws {
        let mismatch = #expect(throws: ConfigurationError.self) { try decode("[agent]\nhost = 1") }
        #expect(mismatch?.code == .typeMismatch)
        let invalid = #expect(throws: ConfigurationError.self) { try decode("[agent]\nworkers = 100") }
        #expect(invalid?.code == .invalidValue)
    }

    @Test func optionalStringIsNilWhenAbsent() throws {
        let reader = try ConfigurationReader(parsing: "token = 'secret'", fileName: "agent.toml")
        #expect(try reader.root.string("token") == "secret")
        #expect(try reader.root.string("missing") == nil)
        #expect(reader.effectiveConfiguration.rendered() == "token = \"secret\"\n")
    }

    @Test func invalidValueNamesTheKeyAndItsLine() throws {
        let reader = try ConfigurationReader(parsing: "[shipper]\n\nurl = 'ftp://x'", fileName: "agent.toml")
        let shipper = try reader.root.table("shipper")
        let url = try shipper.string("url", default: "")
        #expect(!url.hasPrefix("http"))
        let error = shipper.invalidValue("url", "must start with http:// or https://")
        #expect(error.description == "agent.toml:3: 'shipper.url' must start with http:// or https://")
        #expect(shipper.invalidValue("absent", "is wrong").line == 1)
        #expect(try reader.root.table("missing").invalidValue("x", "is wrong").line == nil)
    }

    // MARK: - Durations

    @Test(arguments: [
        ("\"5s\"", Duration.seconds(5)),
        ("\"250ms\"", .milliseconds(250)),
        ("\"2m\"", .seconds(120)),
        ("\"24h\"", .seconds(86_400)),
        ("\"7d\"", .seconds(7 * 86_400)),
        ("\"1h30m\"", .seconds(5400)),
        ("\"1s500ms\"", .milliseconds(1500)),
        ("\"0s\"", .zero),
        ("30", .seconds(30)),
        ("0.5", .milliseconds(500)),
    ])
    func durations(literal: String, expected: Duration) throws {
        #expect(
            try readAgentKey(literal) { table throws(ConfigurationError) in try table.duration("key", default: .zero) }
                == expected)
    }

    @Test(arguments: [
        "\"5\"", "\"5 s\"", "\"5sec\"", "\"-1s\"", "\"\"", "\"1.5h\"", "\"s\"", "-3", "-0.5", "nan", "inf",
        "\"99999999999999999999h\"", "\"9999999999999999h\"",
    ])
    func badDurations(literal: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try readAgentKey(literal) { table throws(ConfigurationError) in try table.duration("key", default: .zero) }
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.line == 2)
        #expect(error?.message.hasPrefix("'agent.key' must be a duration such as \"5s\"") == true)
    }

    @Test func durationsRenderAsTheyAreWritten() {
        #expect(ConfigurationUnits.render(.seconds(5)) == .string("5s"))
        #expect(ConfigurationUnits.render(.milliseconds(250)) == .string("250ms"))
        #expect(ConfigurationUnits.render(.seconds(90)) == .string("1m30s"))
        #expect(ConfigurationUnits.render(.seconds(86_400)) == .string("24h"))
        #expect(ConfigurationUnits.render(.milliseconds(3_723_004)) == .string("1h2m3s4ms"))
        #expect(ConfigurationUnits.render(.zero) == .string("0s"))
        #expect(ConfigurationUnits.render(.microseconds(1500)) == .float(0.0015))
    }

    // MARK: - Sizes

    @Test(arguments: [
        ("\"64MiB\"", 64 << 20),
        ("\"512KB\"", 512_000),
        ("\"1GiB\"", 1 << 30),
        ("\"1 GiB\"", 1 << 30),
        ("\"2tib\"", 2 << 40),
        ("\"10MB\"", 10_000_000),
        ("\"100B\"", 100),
        ("\"100\"", 100),
        ("1048576", 1 << 20),
        ("0", 0),
    ])
    func byteSizes(literal: String, expected: Int) throws {
        #expect(
            try readAgentKey(literal) { table throws(ConfigurationError) in try table.byteSize("key", default: 0) }
                == expected)
    }

    @Test(arguments: [
        "\"64 MiBs\"", "\"-1\"", "\"1.5GB\"", "\"MiB\"", "\"\"", "-1", "\"64M\"", "\"  64MiB\"",
        "\"99999999999TiB\"", "\"99999999999999999999\"",
    ])
    func badByteSizes(literal: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try readAgentKey(literal) { table throws(ConfigurationError) in try table.byteSize("key", default: 0) }
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.message.hasPrefix("'agent.key' must be a size such as \"64MiB\"") == true)
    }

    @Test func sizesRenderWithTheLargestUnit() {
        #expect(ConfigurationUnits.renderByteSize(64 << 20) == .string("64MiB"))
        #expect(ConfigurationUnits.renderByteSize(3 << 40) == .string("3TiB"))
        #expect(ConfigurationUnits.renderByteSize(512_000) == .string("500KiB"))
        #expect(ConfigurationUnits.renderByteSize(3_000_000) == .string("3MB"))
        #expect(ConfigurationUnits.renderByteSize(1536) == .integer(1536))
        #expect(ConfigurationUnits.renderByteSize(1000) == .string("1KB"))
        #expect(ConfigurationUnits.renderByteSize(1023) == .integer(1023))
        #expect(ConfigurationUnits.renderByteSize(0) == .integer(0))
    }

    // MARK: - Files

    @Test func readsAFileAndNamesItInErrors() throws {
        let directory = try ConfigurationScratchDirectory()
        let path = directory.file("agent.toml")
        try writeFile(path, "[agent]\nhost = 'web-2'\nflush_interval = 'soon'\n")
        let reader = try ConfigurationReader(contentsOfFile: path)
        #expect(try reader.root.table("agent").string("host", default: "") == "web-2")
        let error = #expect(throws: ConfigurationError.self) { try decode(fileText: path) }
        #expect(error?.description.hasPrefix("\(path):3: 'agent.flush_interval' must be a duration") == true)
    }

    @Test func missingFileIsFileNotFound() throws {
        let directory = try ConfigurationScratchDirectory()
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationReader(contentsOfFile: directory.path + "/absent.toml")
        }
        #expect(error?.code == .fileNotFound)
        #expect(error?.line == nil)
        #expect(error?.description == "\(directory.path)/absent.toml: no such file")
    }

    @Test func directoryIsUnreadable() throws {
        let directory = try ConfigurationScratchDirectory()
        let error = #expect(throws: ConfigurationError.self) { try ConfigurationReader(contentsOfFile: directory.path) }
        #expect(error?.code == .unreadableFile)
        #expect(error?.description.hasPrefix("\(directory.path): cannot read: ") == true)
    }

    @Test func oversizedFileIsRefused() throws {
        let directory = try ConfigurationScratchDirectory()
        let path = directory.file("huge.toml")
        try writeFile(path, String(repeating: "# padding\n", count: TOMLDocument.maximumFileSize / 10 + 10))
        let error = #expect(throws: ConfigurationError.self) { try ConfigurationReader(contentsOfFile: path) }
        #expect(error?.code == .unreadableFile)
    }
}

/// Decodes the sample configuration from the file at `path`.
private func decode(fileText path: String) throws(ConfigurationError) -> SampleConfiguration {
    try SampleConfiguration(from: ConfigurationReader(contentsOfFile: path))
}

/// A fresh directory under the system's temporary directory; the files named through it are
/// removed with it when it goes away.
private final class ConfigurationScratchDirectory {
    struct CreationFailed: Error {}

    let path: String
    private var names: [String] = []

    init() throws {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/faultline-config-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw CreationFailed() }
        path = String(cString: created)
    }

    /// The path of `name` in the directory, removed on deinit.
    func file(_ name: String) -> String {
        names.append(name)
        return path + "/" + name
    }

    deinit {
        for name in names {
            unlink(path + "/" + name)
        }
        rmdir(path)
    }
}

private struct WriteFailed: Error {}

/// Writes `text` to a new file at `path`.
private func writeFile(_ path: String, _ text: String) throws {
    guard let file = fopen(path, "w") else { throw WriteFailed() }
    defer { fclose(file) }
    let bytes = Array(text.utf8)
    guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw WriteFailed() }
}
