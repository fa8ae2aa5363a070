import FaultlineCore
import Foundation

/// The collector's settings, read from `/etc/faultline/collector.toml`; every key has a default.
///
/// ```toml
/// [server]
/// listen = "127.0.0.1:8080"
/// max_batch_bytes = "8MiB"
/// public_url = "https://faultline.example.com"   # the emails' links; default http:// and listen
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

        /// The address users reach the collector at (`public_url`, e.g. behind a reverse proxy): the emails'
        /// links to the dashboard start with it. Empty means `http://` and ``listen``.
        public var publicURL: String

        /// How long a fingerprint's samples stay before a batch replaces them with newer ones
        /// (`sample_refresh`). A new fingerprint's samples are always stored; a busy error's samples are then
        /// refreshed this often instead of with every batch, which spares an insert and a delete per line.
        /// Zero stores every batch's samples.
        public var sampleRefresh: Duration

        /// The address the emails link to: ``publicURL`` without a trailing slash, or `http://` and ``listen``.
        public var dashboardURL: String {
            var url = publicURL.isEmpty ? "http://\(listen)" : publicURL
            while url.hasSuffix("/") { url.removeLast() }
            return url
        }

        /// Creates server settings; the defaults listen on loopback only, behind a reverse proxy for TLS.
        public init(
            listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080), maximumBatchBytes: Int = 8 << 20,
            adminToken: String? = nil, publicURL: String = "", sampleRefresh: Duration = .seconds(60)
        ) {
            self.listen = listen
            self.maximumBatchBytes = maximumBatchBytes
            self.adminToken = adminToken
            self.publicURL = publicURL
            self.sampleRefresh = sampleRefresh
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
    /// The emails' templates: the defaults, overridden by the files in `mail.templates_directory`.
    public var mailTemplates: MailTemplates

    /// Creates a configuration from its parts; without `mailTemplates`, the default templates linking to
    /// `server`'s dashboard address.
    public init(
        server: Server = .init(), database: Database = .init(), tickets: TicketConfiguration = .init(),
        mail: MailConfiguration = .init(), mailTemplates: MailTemplates? = nil
    ) {
        self.server = server
        self.database = database
        self.tickets = tickets
        self.mail = mail
        self.mailTemplates = mailTemplates ?? MailTemplates(dashboardURL: server.dashboardURL)
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
        let publicURL = try server.string("public_url", default: "")
        if !publicURL.isEmpty && !publicURL.hasPrefix("http://") && !publicURL.hasPrefix("https://") {
            throw server.invalidValue(
                "public_url", "must start with http:// or https://, such as \"https://faultline.example.com\"")
        }

        let sampleRefresh = try server.duration("sample_refresh", default: defaults.server.sampleRefresh)
        if sampleRefresh < .zero {
            throw server.invalidValue("sample_refresh", "must not be negative; 0s stores every batch's samples")
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

        let serverSettings = Server(
            listen: listen, maximumBatchBytes: maximumBatchBytes, adminToken: adminToken, publicURL: publicURL,
            sampleRefresh: sampleRefresh)
        let tickets = try TicketConfiguration(from: root.table("tickets"))
        let mailTable = try root.table("mail")
        let mail = try MailConfiguration(from: mailTable)
        let templates: MailTemplates
        do {
            templates = try MailTemplates(directory: mail.templatesDirectory, dashboardURL: serverSettings.dashboardURL)
        } catch {
            throw mailTable.invalidValue("templates_directory", error.description)
        }
        self.init(
            server: serverSettings,
            database: Database(url: url, maximumConnections: maximumConnections),
            tickets: tickets, mail: mail, mailTemplates: templates
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
