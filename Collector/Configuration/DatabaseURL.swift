import PostgresKit

/// Which database the collector keeps its state in: an SQLite file, or a PostgreSQL server that several
/// collectors can share.
///
/// Written as a URL: `sqlite:///var/lib/faultline/collector.db` (three slashes: the path is absolute) or
/// `postgres://user:password@host:5432/database?sslmode=disable` (`postgresql://` works too).
public enum DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite database file at an absolute or relative path.
    case sqlite(path: String)
    /// A PostgreSQL server, with the URL as written.
    case postgres(url: String)

    /// The embedded default: one file under the state directory.
    public static let defaultSQLite = DatabaseURL.sqlite(path: "/var/lib/faultline/collector.db")

    /// Why a URL cannot be used.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        /// What is wrong with the URL and what is expected instead.
        public let reason: String

        /// The reason.
        public var description: String { reason }
    }

    /// Parses a database URL.
    public init(_ text: String) throws(ParseError) {
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard !path.isEmpty else {
                throw ParseError(reason: "names no file; write \"sqlite:///var/lib/faultline/collector.db\"")
            }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            do {
                _ = try SQLPostgresConfiguration(url: text)
            } catch {
                throw ParseError(
                    reason: "is not a PostgreSQL URL such as \"postgres://user:password@host:5432/database\": \(error)")
            }
            self = .postgres(url: text)
        } else {
            throw ParseError(
                reason: "must start with \"sqlite://\" or \"postgres://\", found \"\(text)\"; "
                    + "for example \"sqlite:///var/lib/faultline/collector.db\"")
        }
    }

    /// The engine that serves this URL.
    public var engine: DatabaseEngine {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgresql
        }
    }

    /// The URL as written in a configuration file.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let url): url
        }
    }
}
