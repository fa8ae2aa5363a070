import Synchronization

/// The hosts and clients this collector knows a ticket's rows hold (`ticket_hosts`, `ticket_clients`), so
/// that a batch writes only the pairs that are new instead of every pair it brings.
///
/// Once written, these rows are never deleted, and ingest never changes them (a host's last time comes from
/// the hourly buckets; see ``TicketHostTimes``), so a pair seen committed stays true. Pairs are remembered
/// only after their transaction committed. Another collector's pairs are simply not known here: writing one
/// of them again does nothing. Each set holds at most ``capacity`` pairs and starts over when full.
final class TicketMembers: Sendable {
    /// A ticket and one of its hosts or clients, by id.
    struct Pair: Hashable, Sendable {
        var ticketID: Int64
        var memberID: Int64
    }

    /// Which rows.
    enum Kind {
        case hosts
        case clients
    }

    /// The most pairs kept of each kind.
    static let capacity = 1 << 20

    private let known = Mutex<(hosts: Set<Pair>, clients: Set<Pair>)>(([], []))

    /// The pairs of `pairs` not known to be stored.
    func unknown(_ pairs: [Pair], _ kind: Kind) -> [Pair] {
        known.withLock { known in
            let set = kind == .hosts ? known.hosts : known.clients
            return pairs.filter { !set.contains($0) }
        }
    }

    /// Notes pairs whose rows were committed.
    func remember(_ pairs: [Pair], _ kind: Kind) {
        guard !pairs.isEmpty else { return }
        known.withLock { known in
            switch kind {
            case .hosts: Self.add(pairs, to: &known.hosts)
            case .clients: Self.add(pairs, to: &known.clients)
            }
        }
    }

    private static func add(_ pairs: [Pair], to set: inout Set<Pair>) {
        if set.count + pairs.count > capacity { set.removeAll(keepingCapacity: true) }
        set.formUnion(pairs)
    }
}
