import FaultlineCore
import Foundation

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

        /// The bearer token of the admin API (`/api/v1/tickets`), read from `admin_token_file`; nil
        /// disables the admin API.
        public var adminToken: String?

        /// Creates server settings; the defaults listen on loopback only, behind a reverse proxy for TLS.
        public init(
            listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080), maximumBatchBytes: Int = 8 << 20,
            adminToken: String? = nil
        ) {
            self.listen = listen
            self.maximumBatchBytes = maximumBatchBytes
            self.adminToken = adminToken
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
    /// The `[tickets]` table.
    public var tickets: TicketConfiguration
    /// The `[mail]` table.
    public var mail: MailConfiguration

    /// Creates a configuration from its parts.
    public init(
        server: Server = .init(), database: Database = .init(), tickets: TicketConfiguration = .init(),
        mail: MailConfiguration = .init()
    ) {
        self.server = server
        self.database = database
        self.tickets = tickets
        self.mail = mail
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
        let adminTokenFile = try server.string("admin_token_file", default: "")
        var adminToken: String?
        if !adminTokenFile.isEmpty {
            guard let text = try? String(contentsOfFile: adminTokenFile, encoding: .utf8),
                case let token = text.trimmingCharacters(in: .whitespacesAndNewlines), token.count >= 16
            else {
                throw server.invalidValue(
                    "admin_token_file", "cannot read a token of at least 16 characters from \"\(adminTokenFile)\"")
            }
            adminToken = token
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
            server: Server(listen: listen, maximumBatchBytes: maximumBatchBytes, adminToken: adminToken),
            database: Database(url: url, maximumConnections: maximumConnections),
            tickets: try TicketConfiguration(from: root.table("tickets")),
            mail: try MailConfiguration(from: root.table("mail"))
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
