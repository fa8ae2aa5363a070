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

    /// Creates an engine.
    public init(configuration: TicketConfiguration, outbox: MailOutbox, logger: Logger) {
        self.configuration = configuration
        self.outbox = outbox
        self.logger = logger
    }

    /// Acts on the groups and merges of `batch`.
    public func batchStored(_ batch: IngestedBatch, in database: any SQLDatabase, engine: DatabaseEngine) async throws {
        let now = batch.receivedAt
        for merge in batch.merges {
            try await closeMergedTickets(merge, now: now, in: database)
        }
        for activity in batch.groups {
            try await handle(activity, of: batch, now: now, in: database, engine: engine)
        }
    }

    private struct CurrentTicket {
        var id: Int64
        var status: TicketStatus
        var fixedAt: Int64?
        var priority: TicketPriority
    }

    private func handle(
        _ activity: IngestedBatch.GroupActivity, of batch: IngestedBatch, now: WireTimestamp,
        in database: any SQLDatabase, engine: DatabaseEngine
    ) async throws {
        let group = activity.group.description
        var opened = false
        var ticket = try await currentTicket(of: group, in: database, engine: engine)
        if ticket == nil {
            guard try await thresholdReached(activity, now: now, in: database) else { return }
            opened = try await openTicket(for: activity, now: now, in: database)
            ticket = try await currentTicket(of: group, in: database, engine: engine)
        }
        guard let ticket else { return }
        var metadata: Logger.Metadata = ["faultline.ticket": "\(ticket.id)", "faultline.group": "\(group)"]

        try await database.raw(
            """
            UPDATE tickets SET
                last_seen = CASE WHEN last_seen > \(bind: activity.lastSeen.microseconds) THEN last_seen
                    ELSE \(bind: activity.lastSeen.microseconds) END,
                occurrences = occurrences + \(bind: Int64(activity.count)),
                updated_at = \(bind: now.microseconds)
            WHERE id = \(bind: ticket.id)
            """
        ).run()
        try await database.raw(
            """
            INSERT INTO ticket_hosts (ticket_id, host_id, first_seen, last_seen)
            VALUES (\(bind: ticket.id), \(bind: batch.hostID), \(bind: activity.firstSeen.microseconds),
                \(bind: activity.lastSeen.microseconds))
            ON CONFLICT (ticket_id, host_id) DO UPDATE SET last_seen = CASE
                WHEN excluded.last_seen > ticket_hosts.last_seen THEN excluded.last_seen
                ELSE ticket_hosts.last_seen END
            """
        ).run()
        let newClient =
            try await database.raw(
                """
                INSERT INTO ticket_clients (ticket_id, client_id, first_seen)
                VALUES (\(bind: ticket.id), \(bind: batch.client.id), \(bind: now.microseconds))
                ON CONFLICT (ticket_id, client_id) DO NOTHING
                RETURNING client_id
                """
            ).first() != nil

        if ticket.status == .fixed, let fixedAt = ticket.fixedAt, activity.lastSeen.microseconds > fixedAt,
            try await reopen(ticketID: ticket.id, occurrence: activity.lastSeen, now: now, in: database)
        {
            logger.notice("an occurrence newer than the fix reopened a ticket", metadata: metadata)
            for client in try await affectedClients(of: ticket.id, in: database) {
                try await outbox.queue(
                    .reopened, ticketID: ticket.id, clientID: client, actor: TicketActor.engine, now: now, in: database)
            }
        } else if opened {
            metadata["faultline.client"] = "\(batch.client.name)"
            logger.notice("opened a ticket", metadata: metadata)
            try await outbox.queue(
                .opened, ticketID: ticket.id, clientID: batch.client.id, actor: TicketActor.engine, now: now,
                in: database)
        } else if newClient && ticket.status != .closed {
            try await outbox.queue(
                .affected, ticketID: ticket.id, clientID: batch.client.id, actor: TicketActor.engine, now: now,
                in: database)
        }
        try await raisePriority(of: ticket, activity: activity, in: database)
    }

    /// The group's ticket that is not closed, locked on PostgreSQL until the transaction ends.
    private func currentTicket(
        of group: String, in database: any SQLDatabase, engine: DatabaseEngine
    ) async throws -> CurrentTicket? {
        let lock: SQLQueryString = engine == .postgresql ? " FOR UPDATE" : ""
        guard
            let row = try await database.raw(
                """
                SELECT id, status, fixed_at, priority FROM tickets
                WHERE group_id = \(bind: group) AND status <> 'closed'\(lock)
                """
            ).first()
        else { return nil }
        return CurrentTicket(
            id: try row.decode(column: "id", as: Int64.self),
            status: TicketStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
            fixedAt: try row.decode(column: "fixed_at", as: Int64?.self),
            priority: TicketPriority(rawValue: try row.decode(column: "priority", as: String.self)) ?? .normal)
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

    /// Recomputes the priority from the ticket's spread and this batch's count; keeps the higher one.
    private func raisePriority(
        of ticket: CurrentTicket, activity: IngestedBatch.GroupActivity, in database: any SQLDatabase
    ) async throws {
        guard
            let row = try await database.raw(
                """
                SELECT (SELECT COUNT(*) FROM ticket_hosts WHERE ticket_id = \(bind: ticket.id)) AS hosts,
                    (SELECT COUNT(*) FROM ticket_clients WHERE ticket_id = \(bind: ticket.id)) AS clients,
                    (SELECT f.severity FROM fingerprints f WHERE f.group_id = \(bind: activity.group.description)
                        ORDER BY f.id LIMIT 1) AS severity
                """
            ).first()
        else { return }
        let priority = TicketPriority.of(
            severity: try row.decode(column: "severity", as: String?.self) ?? "err",
            hosts: Int(try row.decode(column: "hosts", as: Int64.self)),
            clients: Int(try row.decode(column: "clients", as: Int64.self)), count: activity.count)
        guard priority.rank > ticket.priority.rank else { return }
        try await database.raw(
            "UPDATE tickets SET priority = \(bind: priority.rawValue) WHERE id = \(bind: ticket.id)"
        ).run()
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
            ).all()
            for row in closed {
                try await TicketHistory.record(
                    .merged, ticketID: try row.decode(column: "id", as: Int64.self), actor: TicketActor.engine,
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
