import FaultlineCore
import SQLKit

/// A ticket's timeline: one row per change, with who made it and when.
public enum TicketHistory {
    /// What a history row records.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// The engine opened the ticket.
        case created
        /// The status changed; the detail says from what to what.
        case statusChanged = "status_changed"
        /// Someone was assigned.
        case assigned
        /// A comment.
        case comment
        /// A fix was recorded, with its note and version.
        case fixRecorded = "fix_recorded"
        /// An email was written to the outbox.
        case emailQueued = "email_queued"
        /// An email was delivered.
        case emailSent = "email_sent"
        /// An occurrence newer than the fix reopened the ticket.
        case reopened
        /// The fix held through its validation window.
        case autoClosed = "auto_closed"
        /// The ticket's group was merged into another's.
        case merged
    }

    /// A history row to append.
    struct Entry {
        var kind: Kind
        var ticketID: Int64
        var actor: String
        var detail: String
    }

    /// Appends `entries`, in order, with one statement.
    static func record(
        _ entries: [Entry], at time: WireTimestamp, in database: any SQLDatabase, engine: DatabaseEngine
    ) async throws {
        guard !entries.isEmpty else { return }
        var rows = JSONRows(("ticket_id", .integer), ("kind", .text), ("actor", .text), ("detail", .text))
        for entry in entries {
            rows.append([.integer(entry.ticketID), .text(entry.kind.rawValue), .text(entry.actor), .text(entry.detail)])
        }
        try await database.raw(
            """
            INSERT INTO ticket_history (ticket_id, kind, actor, detail, at)
            SELECT ticket_id, kind, actor, detail, \(bind: time.microseconds) FROM \(rows.table(engine))
            """
        ).run()
    }

    /// Appends a row to the history of ticket `ticketID`.
    static func record(
        _ kind: Kind, ticketID: Int64, actor: String, detail: String, at time: WireTimestamp,
        in database: any SQLDatabase
    ) async throws {
        try await database.raw(
            """
            INSERT INTO ticket_history (ticket_id, kind, actor, detail, at)
            VALUES (\(bind: ticketID), \(bind: kind.rawValue), \(bind: actor), \(bind: detail),
                \(bind: time.microseconds))
            """
        ).run()
    }
}
