import FaultlineCore

/// Someone who reads or works on tickets through the API (and the dashboard): an admin, a technician, or a
/// client's contact who sees only that client's tickets.
public struct User: Sendable, Equatable, Codable {
    /// What a user may do.
    public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
        /// Everything, including the admin commands' work.
        case admin
        /// Reads every ticket and works on them: status, assignee, comments, fixes.
        case technician
        /// Reads the tickets that affect its client, and comments on them.
        case client
    }

    public var id: Int64
    public var name: String
    public var role: Role
    /// The client a `client` user belongs to; nil for the other roles.
    public var clientID: Int64?
    public var clientName: String?
    public var createdAt: WireTimestamp
    /// When `user remove` disabled the user; a disabled user's token is refused.
    public var disabledAt: WireTimestamp?

    /// Whether the user may change tickets (status, assignee, fixes); every role may read and comment.
    public var canWorkOnTickets: Bool { role != .client }
}

/// A user just added, with its API token: the token is shown once and stored only as its SHA-256.
public struct IssuedUser: Sendable {
    public var user: User
    public var token: String
}
