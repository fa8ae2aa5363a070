import FaultlineCore
import Logging
import SQLKit

/// Opens, updates and reopens tickets from ingested batches, inside the ingest transaction, and queues the
/// emails these changes cause.
///
/// For each group a batch brought: without a ticket that is not closed, the group's occurrences are counted
/// against the threshold, and the ticket opens once it is reached (the partial unique index
/// `tickets_one_open_per_group` makes a second collector's insert do nothing, and that collector then works
/// on the winner's row). With a ticket, its hosts, clients, counts and priority are updated; a client new to
/// an open ticket is emailed; an occurrence newer than the fix of a `fixed` ticket reopens it and emails
/// every affected client. Groups merged into another close their tickets as `merged`.
public struct TicketEngine: IngestTransactionHook {
    /// The thresholds and category rules.
    public let configuration: TicketConfiguration
    /// Where the emails go.
    public let outbox: MailOutbox
    /// Where the engine logs its decisions.
    public let logger: Logger
    /// The ticket hosts and clients known to be stored.
    let members = TicketMembers()

    /// Creates an engine.
    public init(configuration: TicketConfiguration, outbox: MailOutbox, logger: Logger) {
        self.configuration = configuration
        self.outbox = outbox
        self.logger = logger
    }

    /// Acts on the groups and merges of `batches`.
    ///
    /// The batches' activity is added up per group first. The groups that have a ticket (all of them once a
    /// fleet's errors are known) are handled together, with a few statements for all the batches rather than
    /// a few per group and batch; the others go through the threshold one by one, and those whose ticket opens
    /// join the rest. The ticket opens for the client of the first batch that brought the group; the other
    /// clients new to a ticket are told it affects them too.
    public func batchesStored(
        _ batches: [IngestedBatch], in database: any SQLDatabase, engine: DatabaseEngine, afterCommit: AfterCommit
    ) async throws {
        guard let now = batches.map(\.receivedAt).max() else { return }
        for batch in batches {
            for merge in batch.merges {
                try await closeMergedTickets(merge, now: batch.receivedAt, in: database)
            }
        }
        let totals = GroupTotals.of(batches)
        var tickets = try await currentTickets(
            of: totals.map(\.activity.group.description), in: database, engine: engine)
        var opened: [Int64: AuthenticatedClient] = [:]
        for group in totals where tickets[group.activity.group.description] == nil {
            guard try await thresholdReached(group.activity, now: now, in: database) else { continue }
            let id = group.activity.group.description
            let won = try await openTicket(for: group.activity, now: now, in: database)
            if let ticket = try await currentTickets(of: [id], in: database, engine: engine)[id] {
                tickets[id] = ticket
                if won { opened[ticket.id] = group.clients[0] }
            }
        }
        let handled = totals.compactMap { group in
            tickets[group.activity.group.description].map { (totals: group, ticket: $0) }
        }
        guard !handled.isEmpty else { return }
        let newClients = try await recordActivity(
            handled, now: now, in: database, engine: engine, afterCommit: afterCommit)

        // Queued together once every ticket is decided: a new error reaching many clients at once costs a few
        // statements, not a few per client.
        var emails: [MailOutbox.Email] = []
        for (group, ticket) in handled {
            let metadata: Logger.Metadata = [
                "faultline.ticket": "\(ticket.id)", "faultline.group": "\(group.activity.group)",
            ]
            if ticket.status == .fixed, let fixedAt = ticket.fixedAt,
                group.activity.lastSeen.microseconds > fixedAt,
                try await reopen(ticketID: ticket.id, occurrence: group.activity.lastSeen, now: now, in: database)
            {
                logger.notice("an occurrence newer than the fix reopened a ticket", metadata: metadata)
                emails += try await affectedClients(of: ticket.id, in: database).map {
                    MailOutbox.Email(kind: .reopened, ticketID: ticket.id, clientID: $0)
                }
                continue
            }
            let opener = opened[ticket.id]
            if let opener {
                logger.notice(
                    "opened a ticket", metadata: metadata.merging(["faultline.client": "\(opener.name)"]) { $1 })
                emails.append(MailOutbox.Email(kind: .opened, ticketID: ticket.id, clientID: opener.id))
            }
            guard ticket.status != .closed else { continue }
            for client in group.clients
            where client.id != opener?.id
                && newClients.contains(TicketMembers.Pair(ticketID: ticket.id, memberID: client.id))
            {
                emails.append(MailOutbox.Email(kind: .affected, ticketID: ticket.id, clientID: client.id))
            }
        }
        try await outbox.queue(emails, actor: TicketActor.engine, now: now, in: database, engine: engine)
        try await raisePriorities(handled, in: database)
    }

    private struct CurrentTicket {
        var id: Int64
        var status: TicketStatus
        var fixedAt: Int64?
        var priority: TicketPriority
    }

    /// What the batches stored together brought to one group.
    private struct GroupTotals {
        /// All the batches' occurrences of the group together.
        var activity: IngestedBatch.GroupActivity
        /// The most occurrences one batch brought: the rate that priorities look at.
        var largestBatchCount: Int
        /// Each host's first and last occurrence, by host id.
        var hosts: [Int64: (firstSeen: WireTimestamp, lastSeen: WireTimestamp)]
        /// The clients, in order of their first batch.
        var clients: [AuthenticatedClient]

        /// The totals of each group of `batches`, in order of first appearance (tickets open in that order).
        static func of(_ batches: [IngestedBatch]) -> [GroupTotals] {
            // Changed in place in the array: a copy taken out of a dictionary would copy its hosts on write.
            var totals: [GroupTotals] = []
            var indices: [GroupID: Int] = [:]
            for batch in batches {
                for activity in batch.groups {
                    guard let index = indices[activity.group] else {
                        indices[activity.group] = totals.count
                        totals.append(
                            GroupTotals(
                                activity: activity, largestBatchCount: activity.count,
                                hosts: [batch.hostID: (activity.firstSeen, activity.lastSeen)],
                                clients: [batch.client]))
                        continue
                    }
                    totals[index].activity.count += activity.count
                    totals[index].activity.firstSeen = min(totals[index].activity.firstSeen, activity.firstSeen)
                    totals[index].activity.lastSeen = max(totals[index].activity.lastSeen, activity.lastSeen)
                    totals[index].activity.isNew = totals[index].activity.isNew || activity.isNew
                    totals[index].largestBatchCount = max(totals[index].largestBatchCount, activity.count)
                    let seen = totals[index].hosts[batch.hostID]
                    totals[index].hosts[batch.hostID] = (
                        min(seen?.firstSeen ?? activity.firstSeen, activity.firstSeen),
                        max(seen?.lastSeen ?? activity.lastSeen, activity.lastSeen)
                    )
                    if !totals[index].clients.contains(batch.client) { totals[index].clients.append(batch.client) }
                }
            }
            return totals
        }
    }

    /// Adds the batches' occurrences to each ticket, and their hosts and clients new to a ticket to its hosts
    /// and clients; returns the ticket-client pairs that are new.
    ///
    /// A pair already known to be stored (``TicketMembers``) is not written again: a host's last time on the
    /// ticket is read from the hourly buckets, which ingest writes anyway (see ``TicketHostTimes``).
    private func recordActivity(
        _ handled: [(totals: GroupTotals, ticket: CurrentTicket)], now: WireTimestamp, in database: any SQLDatabase,
        engine: DatabaseEngine, afterCommit: AfterCommit
    ) async throws -> Set<TicketMembers.Pair> {
        var seen = JSONRows(("id", .integer), ("last_seen", .integer), ("occurrences", .integer))
        var hostTimes: [TicketMembers.Pair: (firstSeen: WireTimestamp, lastSeen: WireTimestamp)] = [:]
        var hostPairs: [TicketMembers.Pair] = []
        var clientPairs: [TicketMembers.Pair] = []
        // In order of ticket, so that two collectors take the rows' locks in the same order.
        for (group, ticket) in handled.sorted(by: { $0.ticket.id < $1.ticket.id }) {
            seen.append([
                .integer(ticket.id), .integer(group.activity.lastSeen.microseconds),
                .integer(Int64(group.activity.count)),
            ])
            for (host, times) in group.hosts.sorted(by: { $0.key < $1.key }) {
                let pair = TicketMembers.Pair(ticketID: ticket.id, memberID: host)
                hostTimes[pair] = times
                hostPairs.append(pair)
            }
            clientPairs += group.clients.map { TicketMembers.Pair(ticketID: ticket.id, memberID: $0.id) }
        }
        try await database.raw(
            """
            WITH seen AS (SELECT id, last_seen, occurrences FROM \(seen.table(engine)))
            UPDATE tickets SET
                last_seen = CASE WHEN tickets.last_seen > seen.last_seen THEN tickets.last_seen
                    ELSE seen.last_seen END,
                occurrences = tickets.occurrences + seen.occurrences,
                updated_at = \(bind: now.microseconds)
            FROM seen WHERE tickets.id = seen.id
            """
        ).run()
        let newHosts = members.unknown(hostPairs, .hosts)
        if !newHosts.isEmpty {
            var hosts = JSONRows(
                ("ticket_id", .integer), ("host_id", .integer), ("first_seen", .integer), ("last_seen", .integer))
            for pair in newHosts {
                let times = hostTimes[pair]!
                hosts.append([
                    .integer(pair.ticketID), .integer(pair.memberID), .integer(times.firstSeen.microseconds),
                    .integer(times.lastSeen.microseconds),
                ])
            }
            try await database.raw(
                """
                INSERT INTO ticket_hosts (ticket_id, host_id, first_seen, last_seen)
                SELECT ticket_id, host_id, first_seen, last_seen FROM \(hosts.table(engine)) WHERE true
                ON CONFLICT (ticket_id, host_id) DO NOTHING
                """
            ).run()
        }
        var newClients: Set<TicketMembers.Pair> = []
        let unknownClients = members.unknown(clientPairs, .clients)
        if !unknownClients.isEmpty {
            var clients = JSONRows(("ticket_id", .integer), ("client_id", .integer), ("first_seen", .integer))
            for pair in unknownClients {
                clients.append([.integer(pair.ticketID), .integer(pair.memberID), .integer(now.microseconds)])
            }
            for row in try await database.raw(
                """
                INSERT INTO ticket_clients (ticket_id, client_id, first_seen)
                SELECT ticket_id, client_id, first_seen FROM \(clients.table(engine)) WHERE true
                ON CONFLICT (ticket_id, client_id) DO NOTHING
                RETURNING ticket_id, client_id
                """
            ).all() {
                newClients.insert(
                    TicketMembers.Pair(
                        ticketID: try row.decode(column: "ticket_id", as: Int64.self),
                        memberID: try row.decode(column: "client_id", as: Int64.self)))
            }
        }
        afterCommit.append { [members] in
            members.remember(newHosts, .hosts)
            members.remember(unknownClients, .clients)
        }
        return newClients
    }

    /// The tickets that are not closed of `groups`, by group, locked on PostgreSQL until the transaction ends
    /// (in the order of their groups, so that two collectors cannot deadlock).
    private func currentTickets(
        of groups: [String], in database: any SQLDatabase, engine: DatabaseEngine
    ) async throws -> [String: CurrentTicket] {
        let lock: SQLQueryString = engine == .postgresql ? " FOR UPDATE" : ""
        var tickets: [String: CurrentTicket] = [:]
        for chunk in StatementChunks.of(groups, parametersPerItem: 1) {
            let rows = try await database.raw(
                """
                SELECT id, group_id, status, fixed_at, priority FROM tickets
                WHERE group_id IN (\(binds: Array(chunk))) AND status <> 'closed'
                ORDER BY group_id\(lock)
                """
            ).all()
            for row in rows {
                tickets[try row.decode(column: "group_id", as: String.self)] = CurrentTicket(
                    id: try row.decode(column: "id", as: Int64.self),
                    status: TicketStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
                    fixedAt: try row.decode(column: "fixed_at", as: Int64?.self),
                    priority: TicketPriority(rawValue: try row.decode(column: "priority", as: String.self)) ?? .normal)
            }
        }
        return tickets
    }

    /// Whether the group's occurrences within the threshold window reach the threshold, counting this batch's.
    private func thresholdReached(
        _ activity: IngestedBatch.GroupActivity, now: WireTimestamp, in database: any SQLDatabase
    ) async throws -> Bool {
        let group = activity.group.description
        var threshold = (occurrences: configuration.thresholdOccurrences, window: configuration.thresholdWindow)
        if !configuration.thresholdRules.isEmpty,
            let row = try await database.raw(
                "SELECT source_identity, template FROM error_groups WHERE id = \(bind: group)"
            ).first()
        {
            threshold = configuration.threshold(
                source: try row.decode(column: "source_identity", as: String.self),
                template: try row.decode(column: "template", as: String.self))
        }
        if activity.count >= threshold.occurrences { return true }
        let windowStart = now.microseconds - threshold.window.microseconds
        try await database.raw(
            """
            INSERT INTO group_recent_occurrences (group_id, seen_at, count)
            VALUES (\(bind: group), \(bind: activity.lastSeen.microseconds), \(bind: Int64(activity.count)))
            """
        ).run()
        try await database.raw(
            "DELETE FROM group_recent_occurrences WHERE group_id = \(bind: group) AND seen_at < \(bind: windowStart)"
        ).run()
        let total =
            try await database.raw(
                """
                SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) AS total FROM group_recent_occurrences
                WHERE group_id = \(bind: group)
                """
            ).first()?.decode(column: "total", as: Int64.self) ?? 0
        return total >= Int64(threshold.occurrences)
    }

    /// Inserts the group's ticket; `false` when another transaction opened it first.
    private func openTicket(
        for activity: IngestedBatch.GroupActivity, now: WireTimestamp, in database: any SQLDatabase
    ) async throws -> Bool {
        let group = activity.group.description
        let row = try await database.raw(
            """
            SELECT g.template, g.source_identity, f.severity FROM error_groups g
            LEFT JOIN fingerprints f ON f.group_id = g.id
            WHERE g.id = \(bind: group) ORDER BY f.id LIMIT 1
            """
        ).first()
        let template = try row?.decode(column: "template", as: String.self) ?? group
        let source = try row?.decode(column: "source_identity", as: String.self) ?? ""
        let severity = try row?.decode(column: "severity", as: String?.self) ?? "err"
        let title = Self.title(template: template, source: source)
        let priority = TicketPriority.of(severity: severity, hosts: 1, clients: 1, count: activity.count)
        let category = configuration.category(source: source, template: template)
        let inserted = try await database.raw(
            """
            INSERT INTO tickets (group_id, status, title, priority, category, first_seen, last_seen, occurrences,
                created_at, updated_at)
            VALUES (\(bind: group), 'open', \(bind: title), \(bind: priority.rawValue), \(bind: category),
                \(bind: activity.firstSeen.microseconds), \(bind: activity.firstSeen.microseconds), 0,
                \(bind: now.microseconds), \(bind: now.microseconds))
            ON CONFLICT DO NOTHING
            RETURNING id
            """
        ).first()
        guard let inserted else { return false }
        let id = try inserted.decode(column: "id", as: Int64.self)
        try await TicketHistory.record(
            .created, ticketID: id, actor: TicketActor.engine,
            detail: "opened for group \(group): priority \(priority.rawValue), category \(category)", at: now,
            in: database)
        try await database.raw("DELETE FROM group_recent_occurrences WHERE group_id = \(bind: group)").run()
        return true
    }

    /// Moves a `fixed` ticket to `reopened`; `false` when it is no longer fixed (closed meanwhile).
    private func reopen(
        ticketID: Int64, occurrence: WireTimestamp, now: WireTimestamp, in database: any SQLDatabase
    ) async throws -> Bool {
        let reopened = try await database.raw(
            """
            UPDATE tickets SET status = 'reopened', fixed_at = NULL, validation_ends_at = NULL,
                updated_at = \(bind: now.microseconds)
            WHERE id = \(bind: ticketID) AND status = 'fixed'
            RETURNING id
            """
        ).first()
        guard reopened != nil else { return false }
        try await TicketHistory.record(
            .reopened, ticketID: ticketID, actor: TicketActor.engine,
            detail: "regression: an occurrence at \(occurrence) is newer than the fix", at: now, in: database)
        return true
    }

    /// Recomputes each ticket's priority from its spread and the largest count one batch brought; keeps the
    /// higher one. Tickets already `urgent` cannot go higher and are not counted.
    private func raisePriorities(
        _ handled: [(totals: GroupTotals, ticket: CurrentTicket)], in database: any SQLDatabase
    ) async throws {
        let handled = handled.filter { $0.ticket.priority != .urgent }
        var hosts: [Int64: Int] = [:]
        var clients: [Int64: Int] = [:]
        var severities: [String: String] = [:]
        for chunk in StatementChunks.of(handled, parametersPerItem: 1) {
            let ids = chunk.map(\.ticket.id)
            try await countRows(per: ids, in: "ticket_hosts", into: &hosts, database: database)
            try await countRows(per: ids, in: "ticket_clients", into: &clients, database: database)
            // A group's severity is its first fingerprint's: the first row per group in order of arrival.
            for row in try await database.raw(
                """
                SELECT group_id, severity FROM fingerprints
                WHERE group_id IN (\(binds: chunk.map(\.totals.activity.group.description))) ORDER BY id
                """
            ).all() {
                let group = try row.decode(column: "group_id", as: String.self)
                if severities[group] == nil {
                    severities[group] = try row.decode(column: "severity", as: String.self)
                }
            }
        }
        for (group, ticket) in handled {
            let priority = TicketPriority.of(
                severity: severities[group.activity.group.description] ?? "err", hosts: hosts[ticket.id] ?? 0,
                clients: clients[ticket.id] ?? 0, count: group.largestBatchCount)
            guard priority.rank > ticket.priority.rank else { continue }
            try await database.raw(
                "UPDATE tickets SET priority = \(bind: priority.rawValue) WHERE id = \(bind: ticket.id)"
            ).run()
        }
    }

    /// Adds to `counts` how many rows of `table` (`ticket_hosts` or `ticket_clients`) each of the tickets has.
    private func countRows(
        per tickets: [Int64], in table: StaticString, into counts: inout [Int64: Int], database: any SQLDatabase
    ) async throws {
        for row in try await database.raw(
            """
            SELECT ticket_id, COUNT(*) AS row_count FROM \(unsafeRaw: table.description)
            WHERE ticket_id IN (\(binds: tickets)) GROUP BY ticket_id
            """
        ).all() {
            counts[try row.decode(column: "ticket_id", as: Int64.self)] =
                Int(try row.decode(column: "row_count", as: Int64.self))
        }
    }

    /// Closes the tickets of groups absorbed by `merge`, pointing to the survivor's.
    private func closeMergedTickets(_ merge: GroupMerge, now: WireTimestamp, in database: any SQLDatabase) async throws
    {
        for absorbed in merge.absorbed {
            let closed = try await database.raw(
                """
                UPDATE tickets SET status = 'closed', closed_at = \(bind: now.microseconds),
                    updated_at = \(bind: now.microseconds), resolution = 'merged'
                WHERE group_id = \(bind: absorbed.description) AND status <> 'closed'
                RETURNING id
                """
            ).all().map { try $0.decode(column: "id", as: Int64.self) }
            try await TicketHostTimes.freeze(tickets: closed, in: database)
            for id in closed {
                try await TicketHistory.record(
                    .merged, ticketID: id, actor: TicketActor.engine,
                    detail: "group \(absorbed) merged into group \(merge.survivor)", at: now, in: database)
            }
        }
    }

    /// The clients a ticket affects.
    func affectedClients(of ticketID: Int64, in database: any SQLDatabase) async throws -> [Int64] {
        try await database.raw(
            "SELECT client_id FROM ticket_clients WHERE ticket_id = \(bind: ticketID) ORDER BY client_id"
        ).all().map { try $0.decode(column: "client_id", as: Int64.self) }
    }

    /// A ticket's title: the source, then the template, cut to 160 characters.
    static func title(template: String, source: String) -> String {
        let text = source.isEmpty ? template : "\(source): \(template)"
        return text.count > 160 ? String(text.prefix(159)) + "…" : text
    }
}
