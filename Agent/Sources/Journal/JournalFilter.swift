/// Which journal entries a ``JournalReader`` returns, evaluated inside libsystemd with its indexes.
///
/// An entry passes when it comes from one of ``units`` *or* one of ``identifiers`` (either list may be empty,
/// and both empty means every source), *and* its priority is at most ``maximumPriority`` (when set). Entries
/// without a `PRIORITY=` field do not pass a priority filter.
///
/// ```swift
/// // (unit api.service or unit worker.service or identifier cron) and priority <= 3 (err)
/// JournalFilter(units: ["api.service", "worker.service"], identifiers: ["cron"], maximumPriority: 3)
/// ```
public struct JournalFilter: Sendable, Hashable {
    /// `_SYSTEMD_UNIT=` values to accept, such as `api.service`.
    public var units: [String]
    /// `SYSLOG_IDENTIFIER=` values to accept, such as `sshd`.
    public var identifiers: [String]
    /// The least severe priority to accept, 0 (emerg) to 7 (debug); `nil` accepts every priority.
    public var maximumPriority: Int?

    /// Creates a filter; the defaults accept every entry.
    public init(units: [String] = [], identifiers: [String] = [], maximumPriority: Int? = nil) {
        self.units = units
        self.identifiers = identifiers
        self.maximumPriority = maximumPriority
    }

    /// The filter as `sd_journal` match terms, in the order they must be added.
    ///
    /// libsystemd ORs matches on the same field and ANDs matches on different fields, so units and
    /// identifiers are separated by a disjunction and the priorities by a conjunction:
    /// `(U=a U=b) OR (I=c)` AND `(P=0 P=1 P=2 P=3)`.
    var matchTerms: [MatchTerm] {
        var terms: [MatchTerm] = units.map { .match("_SYSTEMD_UNIT=\($0)") }
        if !units.isEmpty && !identifiers.isEmpty {
            terms.append(.disjunction)
        }
        terms += identifiers.map { .match("SYSLOG_IDENTIFIER=\($0)") }
        if let maximumPriority {
            if !terms.isEmpty {
                terms.append(.conjunction)
            }
            terms += (0...7).filter { $0 <= maximumPriority }.map { .match("PRIORITY=\($0)") }
        }
        return terms
    }

    /// One step of building an `sd_journal` match expression.
    enum MatchTerm: Hashable {
        /// `sd_journal_add_match` with `FIELD=value`.
        case match(String)
        /// `sd_journal_add_disjunction`: OR between what came before and what follows.
        case disjunction
        /// `sd_journal_add_conjunction`: AND between what came before and what follows.
        case conjunction
    }
}
