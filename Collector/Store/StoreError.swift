/// A problem with the collector's database that is not a plain SQL error: it cannot be opened, or its
/// schema is newer than this collector.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case cannotOpen
        case schemaTooNew
        case notFound
        case conflict
        case invalid
    }

    private let code: Code
    /// What went wrong and what to do about it.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The database could not be opened or reached.
    static func cannotOpen(_ message: String) -> StoreError { StoreError(.cannotOpen, message) }
    /// The database was migrated by a newer collector.
    static func schemaTooNew(_ message: String) -> StoreError { StoreError(.schemaTooNew, message) }
    /// A record the caller named does not exist.
    static func notFound(_ message: String) -> StoreError { StoreError(.notFound, message) }
    /// A record the caller wants to create exists already.
    static func conflict(_ message: String) -> StoreError { StoreError(.conflict, message) }
    /// The request itself is wrong, whatever the database holds.
    static func invalid(_ message: String) -> StoreError { StoreError(.invalid, message) }

    /// Whether the error says that a named record does not exist.
    public var isNotFound: Bool { code == .notFound }
    /// Whether the error says that a record exists already.
    public var isConflict: Bool { code == .conflict }
    /// Whether the error says that the request itself is wrong.
    public var isInvalid: Bool { code == .invalid }

    /// The message.
    public var description: String { message }
}
