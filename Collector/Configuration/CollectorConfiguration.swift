import FaultlineCore

/// The collector's settings, read from `/etc/faultline/collector.toml`; every key has a default.
///
/// ```toml
/// [server]
/// listen = "127.0.0.1:8080"
/// max_batch_bytes = "8MiB"
///
/// [database]
/// url = "sqlite:///var/lib/faultline/collector.db"   # or "postgres://faultline@db.example/faultline"
/// max_connections = 8
/// ```
public struct CollectorConfiguration: Sendable {
    /// Where the configuration file lives unless `--config` says otherwise.
    public static let defaultPath = "/etc/faultline/collector.toml"

    /// The HTTP server's settings, the `[server]` table.
    public struct Server: Sendable {
        /// The address and port to listen on.
        public var listen: ListenAddress
        /// The largest batch accepted, both as sent (maybe gzip-compressed) and as JSON once decompressed;
        /// a larger one is answered 413.
        public var maximumBatchBytes: Int

        /// Creates server settings; the defaults listen on loopback only, behind a reverse proxy for TLS.
        public init(
            listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080), maximumBatchBytes: Int = 8 << 20
        ) {
            self.listen = listen
            self.maximumBatchBytes = maximumBatchBytes
        }
    }

    /// The database's settings, the `[database]` table.
    public struct Database: Sendable {
        /// Which database, and where.
        public var url: DatabaseURL
        /// The most connections the collector opens to it.
        public var maximumConnections: Int

        /// Creates database settings; the default is the embedded SQLite file.
        public init(url: DatabaseURL = .defaultSQLite, maximumConnections: Int = 8) {
            self.url = url
            self.maximumConnections = maximumConnections
        }
    }

    /// The `[server]` table.
    public var server: Server
    /// The `[database]` table.
    public var database: Database

    /// Creates a configuration from its parts.
    public init(server: Server = .init(), database: Database = .init()) {
        self.server = server
        self.database = database
    }

    /// Decodes the settings from a configuration file's root table; unknown keys are left for
    /// ``ConfigurationTable/rejectUnknownKeys()`` to report.
    public init(from root: ConfigurationTable) throws(ConfigurationError) {
        let defaults = CollectorConfiguration()

        let server = try root.table("server")
        let listenText = try server.string("listen", default: defaults.server.listen.description)
        guard let listen = ListenAddress(listenText) else {
            throw server.invalidValue(
                "listen", "must be HOST:PORT such as \"127.0.0.1:8080\" or \"[::]:8080\", found \"\(listenText)\"")
        }
        let maximumBatchBytes = try server.byteSize("max_batch_bytes", default: defaults.server.maximumBatchBytes)
        if maximumBatchBytes < 1024 {
            throw server.invalidValue("max_batch_bytes", "must be at least 1KiB, found \(maximumBatchBytes) bytes")
        }

        let database = try root.table("database")
        let urlText = try database.string("url", default: defaults.database.url.description)
        let url: DatabaseURL
        do {
            url = try DatabaseURL(urlText)
        } catch {
            throw database.invalidValue("url", error.reason)
        }
        let maximumConnections = try database.integer(
            "max_connections", default: defaults.database.maximumConnections, in: 1...1000)

        self.init(
            server: Server(listen: listen, maximumBatchBytes: maximumBatchBytes),
            database: Database(url: url, maximumConnections: maximumConnections)
        )
    }

    /// Reads the file at `path`, or the defaults when there is none; rejects unknown keys.
    ///
    /// Also returns the effective configuration, every setting with its value, that `check-config` prints.
    public static func load(
        fromFile path: String
    ) throws(ConfigurationError) -> (configuration: CollectorConfiguration, effective: TOMLDocument) {
        let reader: ConfigurationReader
        do {
            reader = try ConfigurationReader(contentsOfFile: path)
        } catch  where error.code == .fileNotFound {
            reader = ConfigurationReader(document: TOMLDocument(fileName: path))
        }
        let configuration = try CollectorConfiguration(from: reader.root)
        try reader.root.rejectUnknownKeys()
        return (configuration, reader.effectiveConfiguration)
    }
}
