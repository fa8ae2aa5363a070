/// How urgent a ticket is, from the error's severity, its spread over hosts and clients, and its rate.
public enum TicketPriority: String, Sendable, Hashable, CaseIterable, Codable {
    /// Worth a look.
    case low
    /// The usual.
    case normal
    /// Soon.
    case high
    /// Now.
    case urgent

    /// Occurrences in one batch from which an error counts as frequent.
    static let frequentCount = 100

    /// The priority of an error with journald `severity` seen on `hosts` hosts of `clients` clients,
    /// `count` times in the latest batch.
    ///
    /// Severity gives the base (emerg/alert/crit 3, err 2, warning 1, others 0); three hosts or more, two
    /// clients or more and a frequent error add one each.
    public static func of(severity: String, hosts: Int, clients: Int, count: Int) -> TicketPriority {
        var score =
            switch severity {
            case "emerg", "alert", "crit": 3
            case "err", "error": 2
            case "warning": 1
            default: 0
            }
        if hosts >= 3 { score += 1 }
        if clients >= 2 { score += 1 }
        if count >= frequentCount { score += 1 }
        switch score {
        case ...1: return .low
        case 2: return .normal
        case 3: return .high
        default: return .urgent
        }
    }

    /// The rank, for keeping the higher of two priorities.
    var rank: Int { Self.allCases.firstIndex(of: self)! }
}
