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

    /// An email to queue: what happened to which ticket, for which client.
    struct Email {
        var kind: MailKind
        var ticketID: Int64
        var clientID: Int64
    }

    /// Queues `emails`, in order, each to the contacts of its client, with a history row each: a few statements
    /// per hundred emails, however many clients a new error reaches at once. An email for a client without
    /// contacts is left out.
    func queue(
        _ emails: [Email], actor: String, now: WireTimestamp, in database: any SQLDatabase, engine: DatabaseEngine
    ) async throws {
        // In slices, so that a burst of thousands of emails never has all its bodies in memory at once.
        for start in stride(from: 0, to: emails.count, by: Self.emailsPerStatement) {
            let slice = emails[start..<min(start + Self.emailsPerStatement, emails.count)]
            try await queueSlice(Array(slice), actor: actor, now: now, in: database, engine: engine)
        }
    }

    /// The most emails written by one statement.
    static let emailsPerStatement = 100

    private func queueSlice(
        _ emails: [Email], actor: String, now: WireTimestamp, in database: any SQLDatabase, engine: DatabaseEngine
    ) async throws {
        guard !emails.isEmpty else { return }
        var contacts: [Int64: [String]] = [:]
        for chunk in StatementChunks.of(Array(Set(emails.map(\.clientID))).sorted(), parametersPerItem: 1) {
            for row in try await database.raw(
                """
                SELECT client_id, email FROM client_contacts WHERE client_id IN (\(binds: Array(chunk)))
                ORDER BY client_id, email
                """
            ).all() {
                contacts[try row.decode(column: "client_id", as: Int64.self), default: []].append(
                    try row.decode(column: "email", as: String.self))
            }
        }
        let addressed = emails.filter { contacts[$0.clientID] != nil }
        let facts = try await TicketFacts.read(
            addressed.map { TicketFacts.Reader(ticketID: $0.ticketID, clientID: $0.clientID) }, in: database)
        var rows = JSONRows(
            ("ticket_id", .integer), ("client_id", .integer), ("kind", .text), ("recipients", .text),
            ("subject", .text), ("body", .text), ("html_body", .text), ("message_id", .text))
        var history: [TicketHistory.Entry] = []
        for email in addressed {
            guard let ticket = facts[TicketFacts.Reader(ticketID: email.ticketID, clientID: email.clientID)] else {
                continue
            }
            let recipients = contacts[email.clientID]!
            let rendered = templates.render(email.kind, ticket: ticket)
            // Stable from the moment it is queued: a resend after a crash carries the same Message-ID.
            let messageID =
                "<faultline.\(email.ticketID).\(email.kind.rawValue).\(UUID().uuidString.lowercased())@\(messageIDDomain)>"
            rows.append([
                .integer(email.ticketID), .integer(email.clientID), .text(email.kind.rawValue),
                .text(recipients.joined(separator: ",")), .text(rendered.subject), .text(rendered.text),
                .text(rendered.html), .text(messageID),
            ])
            history.append(
                TicketHistory.Entry(
                    kind: .emailQueued, ticketID: email.ticketID, actor: actor,
                    detail: "\(email.kind.rawValue) email to \(recipients.joined(separator: ", "))"))
        }
        guard !rows.isEmpty else { return }
        try await database.raw(
            """
            INSERT INTO outbox (ticket_id, client_id, kind, recipients, subject, body, html_body, created_at,
                next_attempt_at, message_id)
            SELECT ticket_id, client_id, kind, recipients, subject, body, html_body, \(bind: now.microseconds),
                \(bind: now.microseconds), message_id
            FROM \(rows.table(engine))
            """
        ).run()
        try await TicketHistory.record(history, at: now, in: database, engine: engine)
    }
}
