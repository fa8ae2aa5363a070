/// One batch of the v1 wire format: what an agent sends to `POST /api/v1/batches`.
///
/// JSON with snake_case keys, gzip-compressed on the wire. The `batch_id` (`<agent uuid>:<sequence>`)
/// makes a retry harmless: the collector stores a batch id once.
public struct Batch: Codable, Hashable, Sendable {
    /// The wire format's version; this type reads and writes ``currentSchema``.
    public static let currentSchema = 1

    /// The agent that sent a batch.
    public struct Agent: Codable, Hashable, Sendable {
        /// The agent's persistent UUID.
        public var id: String
        /// The host name (or its configured override).
        public var host: String
        /// The agent's version.
        public var version: String
        /// The kernel's boot id, when known.
        public var bootID: String?

        /// Creates the agent description.
        public init(id: String, host: String, version: String, bootID: String? = nil) {
            self.id = id
            self.host = host
            self.version = version
            self.bootID = bootID
        }

        enum CodingKeys: String, CodingKey {
            case id, host, version
            case bootID = "boot_id"
        }
    }

    /// The flush interval a batch covers.
    public struct Window: Codable, Hashable, Sendable {
        /// First instant covered.
        public var start: WireTimestamp
        /// Last instant covered.
        public var end: WireTimestamp

        /// Creates a window.
        public init(start: WireTimestamp, end: WireTimestamp) {
            self.start = start
            self.end = end
        }
    }

    /// Where an error came from.
    public struct Source: Codable, Hashable, Sendable {
        /// `journald` or `file`.
        public var kind: String
        /// The journald unit (`_SYSTEMD_UNIT`).
        public var unit: String?
        /// The syslog identifier (`SYSLOG_IDENTIFIER`).
        public var identifier: String?
        /// The file's path.
        public var path: String?
        /// The file's app label from the configuration.
        public var app: String?

        /// Creates a source description.
        public init(
            kind: String, unit: String? = nil, identifier: String? = nil, path: String? = nil, app: String? = nil
        ) {
            self.kind = kind
            self.unit = unit
            self.identifier = identifier
            self.path = path
            self.app = app
        }
    }

    /// One raw occurrence kept as evidence.
    public struct Sample: Codable, Hashable, Sendable {
        /// When it was logged.
        public var time: WireTimestamp
        /// The raw message.
        public var text: String
        /// The journald cursor, for journald entries.
        public var cursor: String?
        /// `path:offset`, for file lines.
        public var position: String?

        /// Creates a sample.
        public init(time: WireTimestamp, text: String, cursor: String? = nil, position: String? = nil) {
            self.time = time
            self.text = text
            self.cursor = cursor
            self.position = position
        }
    }

    /// The occurrences of one fingerprint during the window.
    public struct Group: Codable, Hashable, Sendable {
        /// 16 hex digits.
        public var fingerprint: String
        /// The signature algorithm's version.
        public var algorithm: Int
        /// The template.
        public var template: String
        /// Where it came from.
        public var source: Source
        /// Syslog keyword of the most urgent occurrence (`err`, `crit`, ...).
        public var severity: String
        /// How many occurrences.
        public var count: Int
        /// The first occurrence's time.
        public var firstSeen: WireTimestamp
        /// The last occurrence's time.
        public var lastSeen: WireTimestamp
        /// Up to a few raw occurrences.
        public var samples: [Sample]

        /// Creates a group report.
        public init(
            fingerprint: String, algorithm: Int, template: String, source: Source, severity: String, count: Int,
            firstSeen: WireTimestamp, lastSeen: WireTimestamp, samples: [Sample]
        ) {
            self.fingerprint = fingerprint
            self.algorithm = algorithm
            self.template = template
            self.source = source
            self.severity = severity
            self.count = count
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
            self.samples = samples
        }

        enum CodingKeys: String, CodingKey {
            case fingerprint, algorithm, template, source, severity, count, samples
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
        }
    }

    /// The agent's own state, so the collector knows the host is alive and what it may have missed.
    public struct Health: Codable, Hashable, Sendable {
        /// Lines (or journal entries) read since the previous batch.
        public var linesRead: Int
        /// Of those, how many were errors.
        public var errorsSeen: Int
        /// Lines that rotated away or were vacuumed before they could be read.
        public var linesLost: Int
        /// Bytes waiting in the spool.
        public var spoolBytes: Int

        /// Creates a health report.
        public init(linesRead: Int = 0, errorsSeen: Int = 0, linesLost: Int = 0, spoolBytes: Int = 0) {
            self.linesRead = linesRead
            self.errorsSeen = errorsSeen
            self.linesLost = linesLost
            self.spoolBytes = spoolBytes
        }

        enum CodingKeys: String, CodingKey {
            case linesRead = "lines_read"
            case errorsSeen = "errors_seen"
            case linesLost = "lines_lost"
            case spoolBytes = "spool_bytes"
        }
    }

    /// The wire format's version.
    public var schema: Int
    /// `<agent uuid>:<sequence>`.
    public var batchID: String
    /// The sender.
    public var agent: Agent
    /// The interval covered.
    public var window: Window
    /// One entry per fingerprint seen; empty in a heartbeat.
    public var groups: [Group]
    /// The agent's health.
    public var health: Health

    /// Creates a batch of the current schema.
    public init(batchID: String, agent: Agent, window: Window, groups: [Group], health: Health) {
        self.schema = Self.currentSchema
        self.batchID = batchID
        self.agent = agent
        self.window = window
        self.groups = groups
        self.health = health
    }

    enum CodingKeys: String, CodingKey {
        case schema, agent, window, groups, health
        case batchID = "batch_id"
    }
}
