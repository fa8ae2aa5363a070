/// Why an email is sent; each kind has its template in ``MailTemplates``.
public enum MailKind: String, Sendable, Hashable, CaseIterable {
    /// A ticket opened for an error the client's hosts logged.
    case opened
    /// An open ticket now affects one more client.
    case affected
    /// A fixed error came back.
    case reopened
    /// The fix held through its validation window; the ticket closed.
    case resolved
}
