import FaultlineCore
import Foundation
import SQLKit

/// Writes emails into the outbox, inside the transaction of the change that causes them: the change and
/// its emails commit together or not at all. ``MailSender`` delivers them.
public struct MailOutbox: Sendable {
    /// The domain of the `Message-ID`s, from the sender address.
    public let messageIDDomain: String
    /// What the emails say.
    public let templates: MailTemplates

    /// Creates an outbox whose `Message-ID`s end in the domain of `sender`, writing emails from `templates`.
    public init(sender: String, templates: MailTemplates = MailTemplates(dashboardURL: "http://localhost:8080")) {
        messageIDDomain = sender.split(separator: "@").last.map(String.init) ?? "faultline"
        self.templates = templates
    }

    /// Queues a `kind` email about ticket `ticketID` to the contacts of client `clientID`, and records it in
    /// the ticket's history; does nothing for a client without contacts.
    func queue(
        _ kind: MailKind, ticketID: Int64, clientID: Int64, actor: String, now: WireTimestamp,
        in database: any SQLDatabase
    ) async throws {
        let recipients = try await database.raw(
            "SELECT email FROM client_contacts WHERE client_id = \(bind: clientID) ORDER BY email"
        ).all().map { try $0.decode(column: "email", as: String.self) }
        guard !recipients.isEmpty,
            let facts = try await TicketFacts.read(ticketID: ticketID, clientID: clientID, in: database)
        else { return }
        let email = templates.render(kind, ticket: facts)
        // Stable from the moment it is queued: a resend after a crash carries the same Message-ID.
        let messageID = "<faultline.\(ticketID).\(kind.rawValue).\(UUID().uuidString.lowercased())@\(messageIDDomain)>"
        try await database.raw(
            """
            INSERT INTO outbox (ticket_id, client_id, kind, recipients, subject, body, html_body, created_at,
                next_attempt_at, message_id)
            VALUES (\(bind: ticketID), \(bind: clientID), \(bind: kind.rawValue),
                \(bind: recipients.joined(separator: ",")), \(bind: email.subject), \(bind: email.text),
                \(bind: email.html), \(bind: now.microseconds), \(bind: now.microseconds), \(bind: messageID))
            """
        ).run()
        try await TicketHistory.record(
            .emailQueued, ticketID: ticketID, actor: actor,
            detail: "\(kind.rawValue) email to \(recipients.joined(separator: ", "))", at: now, in: database)
    }
}
