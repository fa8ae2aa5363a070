import FaultlineCore
import SQLKit

/// What an email says about a ticket, as one client may see it: only that client's hosts are named.
public struct TicketFacts: Sendable {
    /// The ticket's id.
    public var id: Int64
    /// Its title.
    public var title: String
    /// Its status.
    public var status: String
    /// The error's template, as logged (log content: escape before showing).
    public var template: String
    /// The unit, identifier or file that logged it.
    public var source: String
    /// Its priority.
    public var priority: String
    /// Its category.
    public var category: String
    /// The first occurrence the ticket knows.
    public var firstSeen: WireTimestamp
    /// The latest occurrence the ticket knows.
    public var lastSeen: WireTimestamp
    /// Occurrences counted since the ticket opened.
    public var occurrences: Int64
    /// The note of the latest fix, if any.
    public var fixNote: String?
    /// The version of the latest fix, if any.
    public var fixVersion: String?
    /// The client's affected hosts, by name.
    public var hosts: [String]

    /// Creates the facts of one email.
    public init(
        id: Int64, title: String, status: String, template: String, source: String, priority: String,
        category: String, firstSeen: WireTimestamp, lastSeen: WireTimestamp, occurrences: Int64, fixNote: String?,
        fixVersion: String?, hosts: [String]
    ) {
        self.id = id
        self.title = title
        self.status = status
        self.template = template
        self.source = source
        self.priority = priority
        self.category = category
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.occurrences = occurrences
        self.fixNote = fixNote
        self.fixVersion = fixVersion
        self.hosts = hosts
    }

    /// A ticket as one client sees it.
    struct Reader: Hashable {
        var ticketID: Int64
        var clientID: Int64
    }

    /// Reads the tickets of `readers`, each with the hosts of its client, inside the caller's transaction: a
    /// few statements for all of them. A ticket that does not exist is left out.
    static func read(_ readers: [Reader], in database: any SQLDatabase) async throws -> [Reader: TicketFacts] {
        let tickets = Array(Set(readers.map(\.ticketID))).sorted()
        let clients = Array(Set(readers.map(\.clientID))).sorted()
        var facts: [Int64: TicketFacts] = [:]
        var hosts: [Reader: [String]] = [:]
        // Half the parameters for tickets, half for clients, in the hosts' statement.
        for chunk in StatementChunks.of(tickets, parametersPerItem: 2) {
            for row in try await database.raw(
                """
                SELECT t.id, t.title, t.status, t.priority, t.category, t.first_seen, t.last_seen, t.occurrences,
                    t.fix_note, t.fix_version, g.template, g.source_identity
                FROM tickets t JOIN error_groups g ON g.id = t.group_id
                WHERE t.id IN (\(binds: Array(chunk)))
                """
            ).all() {
                let id = try row.decode(column: "id", as: Int64.self)
                facts[id] = TicketFacts(
                    id: id,
                    title: try row.decode(column: "title", as: String.self),
                    status: try row.decode(column: "status", as: String.self),
                    template: try row.decode(column: "template", as: String.self),
                    source: try row.decode(column: "source_identity", as: String.self),
                    priority: try row.decode(column: "priority", as: String.self),
                    category: try row.decode(column: "category", as: String.self),
                    firstSeen: WireTimestamp(microseconds: try row.decode(column: "first_seen", as: Int64.self)),
                    lastSeen: WireTimestamp(microseconds: try row.decode(column: "last_seen", as: Int64.self)),
                    occurrences: try row.decode(column: "occurrences", as: Int64.self),
                    fixNote: try row.decode(column: "fix_note", as: String?.self),
                    fixVersion: try row.decode(column: "fix_version", as: String?.self),
                    hosts: [])
            }
            for clientChunk in StatementChunks.of(clients, parametersPerItem: 2) {
                for row in try await database.raw(
                    """
                    SELECT th.ticket_id, h.client_id, h.name FROM ticket_hosts th JOIN hosts h ON h.id = th.host_id
                    WHERE th.ticket_id IN (\(binds: Array(chunk))) AND h.client_id IN (\(binds: Array(clientChunk)))
                    ORDER BY h.name
                    """
                ).all() {
                    let reader = Reader(
                        ticketID: try row.decode(column: "ticket_id", as: Int64.self),
                        clientID: try row.decode(column: "client_id", as: Int64.self))
                    hosts[reader, default: []].append(try row.decode(column: "name", as: String.self))
                }
            }
        }
        var result: [Reader: TicketFacts] = [:]
        for reader in readers {
            guard var ticket = facts[reader.ticketID] else { continue }
            ticket.hosts = hosts[reader] ?? []
            result[reader] = ticket
        }
        return result
    }
}
