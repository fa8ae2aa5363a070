/// Reads a configuration file into typed settings, with a default for every key, and catches the
/// keys that nobody asked for.
///
/// Each component decodes its own settings from the ``ConfigurationTable`` it is handed; the
/// reader remembers every key asked for and every value returned. At the end,
/// ``ConfigurationTable/rejectUnknownKeys()`` on ``root`` reports the first key (by line) that no
/// component asked for, usually a typo, and ``effectiveConfiguration`` is what `check-config`
/// prints: every setting the program uses, with the defaults filled in.
///
/// ```swift
/// struct SpoolConfiguration: Sendable {
///     var path = "/var/lib/faultline/spool.sqlite"
///     var maximumBytes = 256 << 20
///     var flushInterval = Duration.seconds(5)
///
///     init() {}
///
///     init(from table: ConfigurationTable) throws(ConfigurationError) {
///         path = try table.string("path", default: path)
///         maximumBytes = try table.byteSize("max_bytes", default: maximumBytes)  // 64MiB, 1GB, 1048576
///         flushInterval = try table.duration("flush_interval", default: flushInterval)  // 5s, 250ms, 2m
///     }
/// }
///
/// let reader = try ConfigurationReader(contentsOfFile: "/etc/faultline/agent.toml")
/// let spool = try SpoolConfiguration(from: reader.root.table("spool"))
/// for source in try reader.root.tables("sources") {
///     _ = try source.string("path", default: "/var/log/syslog")
/// }
/// try reader.root.rejectUnknownKeys()  // agent.toml:9: unknown key 'max_byte' in [spool]; ...
/// print(reader.effectiveConfiguration.rendered())
/// ```
///
/// Copies of a reader, and the tables it hands out, share what was asked for; the sharing is
/// thread-safe, though decoding a file normally happens on one task.
public struct ConfigurationReader: Sendable {
    /// The parsed file.
    public let document: TOMLDocument
    private let usage = ConfigurationUsage()

    /// Reads settings from an already parsed document.
    public init(document: TOMLDocument) {
        self.document = document
    }

    /// Parses `text`; `fileName` names it in error messages.
    public init(parsing text: String, fileName: String) throws(ConfigurationError) {
        self.init(document: try TOMLDocument(parsing: text, fileName: fileName))
    }

    /// Reads and parses the file at `path`.
    ///
    /// A missing file throws ``ConfigurationError/Code/fileNotFound``; a program whose every key
    /// has a default can catch it and go on with `ConfigurationReader(document: TOMLDocument(fileName: path))`.
    public init(contentsOfFile path: String) throws(ConfigurationError) {
        self.init(document: try TOMLDocument(contentsOfFile: path))
    }

    /// The top-level table, where decoding starts.
    public var root: ConfigurationTable {
        ConfigurationTable(
            contents: document.root,
            path: ConfigurationPath(),
            line: 1,
            fileName: document.fileName,
            usage: usage
        )
    }

    /// Every setting the program asked for so far, with the value it got (the file's, or the
    /// default), in the order it asked; durations and sizes are written as `"5s"` and `"64MiB"`.
    /// Reading this document again gives the same settings.
    public var effectiveConfiguration: TOMLDocument {
        TOMLDocument(root: usage.effective, fileName: document.fileName)
    }
}
