/// Where a ticket is in its life: `open` → `in_progress` → `fixed` → `closed`, and `reopened` when a fixed
/// error comes back.
public enum TicketStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Opened by the engine; nobody works on it yet.
    case open
    /// Someone works on it.
    case inProgress = "in_progress"
    /// A fix is recorded; the validation window runs.
    case fixed
    /// The error came back after a fix.
    case reopened
    /// Done: the fix held through its window, an admin closed it, or it was merged into another ticket.
    case closed
}

/// Who changed a ticket, as its history records it.
public enum TicketActor {
    /// The ticket engine, acting on ingested batches.
    public static let engine = "engine"
    /// The validation scheduler, closing tickets whose fix held.
    public static let validation = "validation"
    /// The mail sender.
    public static let mail = "mail"
}
