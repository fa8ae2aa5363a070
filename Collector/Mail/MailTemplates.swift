import FaultlineCore

/// The plain-text emails: one template per ``MailKind``, each naming the ticket, the error's template, the
/// client's affected hosts and the first and last occurrence.
///
/// Whatever came from a log line (template, source, host names) is escaped with
/// ``EscapedText/terminal(_:)``: control characters and escape sequences show as visible escapes, and a
/// subject never gets a line break.
public enum MailTemplates {
    /// The subject and body of a `kind` email about `ticket`.
    public static func render(_ kind: MailKind, ticket: TicketFacts) -> (subject: String, body: String) {
        let title = EscapedText.terminal(ticket.title)
        let subject: String
        let opening: String
        switch kind {
        case .opened:
            subject = "[Faultline #\(ticket.id)] New error: \(title)"
            opening = "A new error was detected on your hosts; ticket #\(ticket.id) tracks it."
        case .affected:
            subject = "[Faultline #\(ticket.id)] Now affecting you: \(title)"
            opening = "An error that ticket #\(ticket.id) already tracks now occurs on your hosts too."
        case .reopened:
            subject = "[Faultline #\(ticket.id)] Regression: \(title)"
            var text = "The error of ticket #\(ticket.id) occurred again after it was marked fixed; the ticket is "
            text += "reopened."
            opening = text
        case .resolved:
            subject = "[Faultline #\(ticket.id)] Resolved: \(title)"
            opening = "The fix for ticket #\(ticket.id) held through its validation window; the ticket is closed."
        }
        var lines = [
            opening,
            "",
            "Ticket:      #\(ticket.id) \(title)",
            "Status:      \(ticket.status)",
            "Priority:    \(ticket.priority) (\(EscapedText.terminal(ticket.category)))",
            "Error:       \(EscapedText.terminal(ticket.template))",
            "Source:      \(EscapedText.terminal(ticket.source))",
            "Hosts:       \(ticket.hosts.map(EscapedText.terminal).joined(separator: ", "))",
            "First seen:  \(ticket.firstSeen)",
            "Last seen:   \(ticket.lastSeen)",
            "Occurrences: \(ticket.occurrences)",
        ]
        if let note = ticket.fixNote, kind == .resolved || kind == .reopened {
            lines.append("Fix:         \(EscapedText.terminal(note))")
            if let version = ticket.fixVersion { lines.append("Fix version: \(EscapedText.terminal(version))") }
        }
        lines += ["", "-- ", "Faultline"]
        return (String(subject.prefix(200)), lines.joined(separator: "\n") + "\n")
    }
}
