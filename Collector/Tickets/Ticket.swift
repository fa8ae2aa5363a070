import FaultlineCore

/// A ticket as the admin commands and the JSON API show it.
public struct Ticket: Sendable, Hashable, Codable {
    /// Its id.
    public var id: Int64
    /// The group it belongs to.
    public var groupID: String
    /// Its title, from the error's source and template.
    public var title: String
    /// Its status.
    public var status: TicketStatus
    /// Its priority.
    public var priority: TicketPriority
    /// Its category.
    public var category: String
    /// Who works on it, if anyone.
    public var assignee: String?
    /// How it ended, once closed: `validated`, `closed` by an admin, or `merged`.
    public var resolution: String?
    /// The note of the latest fix.
    public var fixNote: String?
    /// The version of the latest fix.
    public var fixVersion: String?
    /// When the latest fix was recorded, while the ticket is fixed.
    public var fixedAt: WireTimestamp?
    /// When the fix's validation window ends, while the ticket is fixed.
    public var validationEndsAt: WireTimestamp?
    /// When it closed.
    public var closedAt: WireTimestamp?
    /// The first occurrence it knows.
    public var firstSeen: WireTimestamp
    /// The latest occurrence it knows.
    public var lastSeen: WireTimestamp
    /// Occurrences counted since it opened.
    public var occurrences: Int64
    /// When it opened.
    public var createdAt: WireTimestamp
    /// When it last changed.
    public var updatedAt: WireTimestamp

    enum CodingKeys: String, CodingKey {
        case id, title, status, priority, category, assignee, resolution, occurrences
        case groupID = "group_id"
        case fixNote = "fix_note"
        case fixVersion = "fix_version"
        case fixedAt = "fixed_at"
        case validationEndsAt = "validation_ends_at"
        case closedAt = "closed_at"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A ticket with its affected hosts and clients and its timeline.
public struct TicketDetail: Sendable, Hashable, Codable {
    /// One change in the timeline.
    public struct Event: Sendable, Hashable, Codable {
        /// What changed.
        public var kind: TicketHistory.Kind
        /// Who changed it.
        public var actor: String
        /// The change in words.
        public var detail: String
        /// When.
        public var at: WireTimestamp
    }

    /// An affected host.
    public struct AffectedHost: Sendable, Hashable, Codable {
        /// The host's name.
        public var name: String
        /// The client it belongs to.
        public var client: String
        /// Its first occurrence of the error.
        public var firstSeen: WireTimestamp
        /// Its latest occurrence of the error.
        public var lastSeen: WireTimestamp

        enum CodingKeys: String, CodingKey {
            case name, client
            case firstSeen = "first_seen"
            case lastSeen = "last_seen"
        }
    }

    /// The ticket.
    public var ticket: Ticket
    /// The error's template.
    public var template: String
    /// The affected hosts, by client and name.
    public var hosts: [AffectedHost]
    /// The affected clients, by name.
    public var clients: [String]
    /// The timeline, oldest first.
    public var history: [Event]
}
