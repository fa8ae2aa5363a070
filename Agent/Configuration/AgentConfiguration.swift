import FaultlineCore

/// Everything `faultline-agent` is configured with, read from `/etc/faultline/agent.toml`.
///
/// Every key has a default, so an empty or missing file at the default path is a valid configuration
/// (though ``checkReadyToRun()`` refuses one without a collector URL). Unknown keys and unusable values
/// are ``ConfigurationError``s naming the file, line and key:
///
/// ```toml
/// [agent]
/// host = ""                         # empty: the machine's host name
/// state_directory = "/var/lib/faultline"
/// flush_interval = "5s"
/// heartbeat_interval = "60s"
///
/// [collector]                       # ShippingSettings
/// urls = ["https://collector.example:8443"]
///
/// [spool]                           # SpoolSettings
/// [detection]                       # DetectionSettings
/// [journald]                        # JournalSourceSettings
/// [[files]]                         # FileSourceSettings, one section per group of files
/// ```
///
/// ```swift
/// let configuration = try AgentConfiguration.load(path: options.config)  // nil: the default path
/// try configuration.checkReadyToRun()
/// ```
public struct AgentConfiguration: Sendable, Hashable {
    /// Where the agent looks for its configuration when no path is given.
    public static let defaultPath = "/etc/faultline/agent.toml"

    /// The file the configuration was read from, as given; messages name it.
    public var fileName: String
    /// The host name reported to the collector; empty for the machine's own (`gethostname(2)`).
    public var host = ""
    /// Where the spool and the checkpoints live; systemd's `StateDirectory=` creates it.
    public var stateDirectory = "/var/lib/faultline"
    /// How often errors seen are aggregated into a batch and written to the spool.
    public var flushInterval = Duration.seconds(5)
    /// How often a batch is sent even when no error was seen, so the collector knows the host is alive.
    public var heartbeatInterval = Duration.seconds(60)
    /// The `[collector]` section: where batches go.
    public var shipping = ShippingSettings()
    /// The `[spool]` section.
    public var spool = SpoolSettings()
    /// The `[detection]` section: what counts as an error.
    public var detection = DetectionSettings()
    /// The `[journald]` section.
    public var journal = JournalSourceSettings()
    /// The `[[files]]` sections, in file order.
    public var files: [FileSourceSettings] = []

    /// The defaults, as if `fileName` were empty.
    public init(fileName: String = AgentConfiguration.defaultPath) {
        self.fileName = fileName
    }

    /// Decodes every section from `reader`, validates it and rejects unknown keys.
    ///
    /// Afterwards `reader.effectiveConfiguration` holds every setting with its value, defaults included,
    /// which is what `check-config` prints.
    public init(reading reader: ConfigurationReader) throws(ConfigurationError) {
        let root = reader.root
        fileName = reader.document.fileName
        let agent = try root.table("agent")
        host = try agent.string("host", default: host)
        if let problem = Self.hostNameProblem(host) {
            throw agent.invalidValue("host", problem)
        }
        stateDirectory = try agent.absolutePath("state_directory", default: stateDirectory, allowsEmpty: false)
        flushInterval = try agent.positiveDuration("flush_interval", default: flushInterval)
        heartbeatInterval = try agent.positiveDuration("heartbeat_interval", default: heartbeatInterval)
        let collector = try root.table("collector")
        shipping = try ShippingSettings(from: collector)
        spool = try SpoolSettings(from: root.table("spool"))
        detection = try DetectionSettings(from: root.table("detection"))
        let journald = try root.table("journald")
        journal = try JournalSourceSettings(from: journald)
        let fileTables = try root.tables("files")
        files = []
        for table in fileTables {
            files.append(try FileSourceSettings(from: table))
        }

        // A missing or contradictory setting is often a misspelled key: name that first.
        try root.rejectUnknownKeys()
        try shipping.checkCombination(in: collector)
        for (settings, table) in zip(files, fileTables) {
            try settings.checkCombination(in: table)
        }
        if !journal.isEnabled, files.isEmpty {
            throw journald.invalidValue(
                "enabled",
                "is false and there is no [[files]] section: the agent would have nothing to read"
            )
        }
    }

    /// Reads the configuration file at `path`, or at ``defaultPath`` when `path` is `nil`.
    ///
    /// A missing file at the default path means every setting takes its default; a missing file at a path
    /// that was given is an error, since the operator meant a file that is not there.
    public static func load(path: String?) throws(ConfigurationError) -> AgentConfiguration {
        try load(path: path ?? defaultPath, missingFileMeansDefaults: path == nil).configuration
    }

    /// Parses configuration text; `fileName` names it in error messages.
    public static func parse(text: String, fileName: String) throws(ConfigurationError) -> AgentConfiguration {
        try AgentConfiguration(reading: ConfigurationReader(parsing: text, fileName: fileName))
    }

    /// A configuration with the reader that decoded it, whose effective configuration `check-config` prints.
    struct Loaded {
        var configuration: AgentConfiguration
        var reader: ConfigurationReader
        /// False when the file is missing and every setting took its default.
        var fileExists: Bool
    }

    /// Reads the file at `path`; with `missingFileMeansDefaults`, a missing file reads as an empty one.
    static func load(path: String, missingFileMeansDefaults: Bool) throws(ConfigurationError) -> Loaded {
        let reader: ConfigurationReader
        let fileExists: Bool
        do {
            reader = try ConfigurationReader(contentsOfFile: path)
            fileExists = true
        } catch {
            guard error.code == .fileNotFound, missingFileMeansDefaults else { throw error }
            reader = ConfigurationReader(document: TOMLDocument(fileName: path))
            fileExists = false
        }
        return Loaded(configuration: try AgentConfiguration(reading: reader), reader: reader, fileExists: fileExists)
    }

    /// Throws unless the configuration has what `faultline-agent run` needs beyond being valid: a
    /// collector to ship to.
    public func checkReadyToRun() throws(AgentConfigurationError) {
        if shipping.urls.isEmpty {
            throw AgentConfigurationError.noCollector(fileName: fileName)
        }
    }

    /// The journal filter: ``JournalSourceSettings/units`` and ``JournalSourceSettings/identifiers``, with
    /// ``DetectionSettings/maximumPriority`` as the priority threshold.
    public var journalFilter: JournalFilter {
        JournalFilter(
            units: journal.units,
            identifiers: journal.identifiers,
            maximumPriority: detection.maximumPriority.rawValue
        )
    }

    /// Why `host` is not usable as a host name, completing "'agent.host' ..."; `nil` when it is.
    private static func hostNameProblem(_ host: String) -> String? {
        if host.utf8.count > 253 {
            return "must be at most 253 bytes long, as host names are"
        }
        if host.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return "must not contain spaces or control characters, found \"\(host)\""
        }
        return nil
    }
}
