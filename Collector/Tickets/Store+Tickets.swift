import FaultlineCore
import SQLKit

extension Store {
    /// The tickets, newest change first; only those with `status`, and only those affecting the client
    /// `affectingClient`, when given.
    public func tickets(
        status: TicketStatus? = nil, affectingClient clientID: Int64? = nil, limit: Int = 200
    ) async throws -> [Ticket] {
        try await withConnection { database in
            var conditions: [SQLQueryString] = []
            if let status { conditions.append("status = \(bind: status.rawValue)") }
            if let clientID {
                conditions.append(
                    "id IN (SELECT ticket_id FROM ticket_clients WHERE client_id = \(bind: clientID))")
            }
            let filter: SQLQueryString =
                conditions.isEmpty ? "" : "WHERE \(conditions.joined(separator: " AND "))"
            return try await database.raw(
                "SELECT * FROM tickets \(filter) ORDER BY updated_at DESC, id DESC LIMIT \(bind: Int64(limit))"
            ).all().map(Self.ticket(from:))
        }
    }

    /// Whether ticket `id` affects the client `clientID` (one of its hosts reported the error).
    public func ticket(_ id: Int64, affectsClient clientID: Int64) async throws -> Bool {
        try await withConnection { database in
            try await database.raw(
                """
                SELECT 1 AS one FROM ticket_clients WHERE ticket_id = \(bind: id) AND client_id = \(bind: clientID)
                """
            ).first() != nil
        }
    }

    /// The ticket `id` with its hosts, clients and timeline; nil when there is none.
    public func ticketDetail(id: Int64) async throws -> TicketDetail? {
        try await withConnection { database in
            guard let row = try await database.raw("SELECT * FROM tickets WHERE id = \(bind: id)").first() else {
                return nil
            }
            let ticket = try Self.ticket(from: row)
            let template =
                try await database.raw(
                    "SELECT template FROM error_groups WHERE id = \(bind: ticket.groupID)"
                ).first()?.decode(column: "template", as: String.self) ?? ""
            let hosts = try await database.raw(
                """
                SELECT h.name, c.name AS client, th.first_seen, th.last_seen,
                    \(TicketHostTimes.bucketLastSeen("th")) AS bucket_last_seen
                FROM ticket_hosts th JOIN hosts h ON h.id = th.host_id JOIN clients c ON c.id = h.client_id
                WHERE th.ticket_id = \(bind: id) ORDER BY c.name, h.name
                """
            ).all().map { row in
                // A closed ticket's rows hold its hosts' last times; the buckets may have later occurrences,
                // of a later ticket.
                let lastSeen = try row.decode(column: "last_seen", as: Int64.self)
                let buckets =
                    ticket.status == .closed ? nil : try row.decode(column: "bucket_last_seen", as: Int64?.self)
                return TicketDetail.AffectedHost(
                    name: try row.decode(column: "name", as: String.self),
                    client: try row.decode(column: "client", as: String.self),
                    firstSeen: WireTimestamp(microseconds: try row.decode(column: "first_seen", as: Int64.self)),
                    lastSeen: WireTimestamp(microseconds: max(lastSeen, buckets ?? lastSeen)))
            }
            let clients = try await database.raw(
                """
                SELECT c.name FROM ticket_clients tc JOIN clients c ON c.id = tc.client_id
                WHERE tc.ticket_id = \(bind: id) ORDER BY c.name
                """
            ).all().map { try $0.decode(column: "name", as: String.self) }
            let history = try await database.raw(
                "SELECT kind, actor, detail, at FROM ticket_history WHERE ticket_id = \(bind: id) ORDER BY id"
            ).all().map { row in
                TicketDetail.Event(
                    kind: TicketHistory.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .comment,
                    actor: try row.decode(column: "actor", as: String.self),
                    detail: try row.decode(column: "detail", as: String.self),
                    at: WireTimestamp(microseconds: try row.decode(column: "at", as: Int64.self)))
            }
            return TicketDetail(ticket: ticket, template: template, hosts: hosts, clients: clients, history: history)
        }
    }

    /// Records a fix of ticket `id`: the ticket becomes `fixed` and its validation window starts now.
    ///
    /// Throws a not-found error for an unknown ticket and a conflict for a closed one.
    public func recordFix(
        ticketID id: Int64, note: String, version: String?, actor: String, validationWindow: Duration,
        now: WireTimestamp = .now()
    ) async throws {
        try await withTransaction { database in
            let previous = try await lockedStatus(of: id, in: database)
            guard previous != .closed else {
                throw StoreError.conflict("ticket #\(id) is closed; a fix can only be recorded on an open ticket")
            }
            let ends = now.microseconds + validationWindow.microseconds
            try await database.raw(
                """
                UPDATE tickets SET status = 'fixed', fixed_at = \(bind: now.microseconds),
                    validation_ends_at = \(bind: ends), fix_note = \(bind: note), fix_version = \(bind: version),
                    updated_at = \(bind: now.microseconds)
                WHERE id = \(bind: id)
                """
            ).run()
            let versionText = version.map { " (version \($0))" } ?? ""
            try await TicketHistory.record(
                .fixRecorded, ticketID: id, actor: actor, detail: note + versionText, at: now, in: database)
            let detail = "\(previous.rawValue) → fixed; validation until \(WireTimestamp(microseconds: ends))"
            try await TicketHistory.record(
                .statusChanged, ticketID: id, actor: actor, detail: detail, at: now, in: database)
        }
    }

    /// Sets the status of ticket `id` to `in_progress` or `closed` (by an admin); `fixed` goes through
    /// ``recordFix(ticketID:note:version:actor:validationWindow:now:)``.
    public func setStatus(
        ofTicket id: Int64, to status: TicketStatus, actor: String, now: WireTimestamp = .now()
    ) async throws {
        guard status == .inProgress || status == .closed else {
            throw StoreError.conflict(
                "a ticket's status is set to in_progress or closed by hand; fixed is recorded with a fix, "
                    + "open and reopened by the engine")
        }
        try await withTransaction { database in
            let previous = try await lockedStatus(of: id, in: database)
            guard previous != status else { return }
            guard previous != .closed else {
                throw StoreError.conflict("ticket #\(id) is closed; a recurrence opens a new ticket")
            }
            let closing: SQLQueryString =
                status == .closed ? ", closed_at = \(bind: now.microseconds), resolution = 'closed'" : ""
            try await database.raw(
                """
                UPDATE tickets SET status = \(bind: status.rawValue), fixed_at = NULL, validation_ends_at = NULL,
                    updated_at = \(bind: now.microseconds)\(closing)
                WHERE id = \(bind: id)
                """
            ).run()
            if status == .closed { try await TicketHostTimes.freeze(tickets: [id], in: database) }
            try await TicketHistory.record(
                .statusChanged, ticketID: id, actor: actor, detail: "\(previous.rawValue) → \(status.rawValue)",
                at: now, in: database)
        }
    }

    /// Assigns ticket `id` to `assignee` (a user name, free text); an empty `assignee` unassigns it. Throws
    /// not-found for an unknown ticket and a conflict for a closed one.
    public func assign(
        ticketID id: Int64, to assignee: String, actor: String, now: WireTimestamp = .now()
    ) async throws {
        try await withTransaction { database in
            guard try await lockedStatus(of: id, in: database) != .closed else {
                throw StoreError.conflict("ticket #\(id) is closed; it cannot be assigned")
            }
            let value: String? = assignee.isEmpty ? nil : assignee
            try await database.raw(
                """
                UPDATE tickets SET assignee = \(bind: value), updated_at = \(bind: now.microseconds)
                WHERE id = \(bind: id)
                """
            ).run()
            try await TicketHistory.record(
                .assigned, ticketID: id, actor: actor, detail: value.map { "assigned to \($0)" } ?? "unassigned",
                at: now, in: database)
        }
    }

    /// Adds a comment to the timeline of ticket `id`; throws not-found for an unknown ticket.
    public func comment(ticketID id: Int64, text: String, actor: String, now: WireTimestamp = .now()) async throws {
        try await withTransaction { database in
            _ = try await lockedStatus(of: id, in: database)
            try await database.raw(
                "UPDATE tickets SET updated_at = \(bind: now.microseconds) WHERE id = \(bind: id)"
            ).run()
            try await TicketHistory.record(.comment, ticketID: id, actor: actor, detail: text, at: now, in: database)
        }
    }

    /// Closes every `fixed` ticket whose validation window ended by `now`, with an `auto_closed` history row
    /// and a resolution email to each affected client, all in one transaction; returns their ids.
    ///
    /// The conditional `UPDATE ... RETURNING` decides which collector acts: of several running it at once,
    /// each ticket is returned to one only (on PostgreSQL the others wait for the row and then find it
    /// closed). A ticket reopened meanwhile is no longer `fixed` and stays open.
    public func closeValidatedTickets(now: WireTimestamp = .now(), outbox: MailOutbox) async throws -> [Int64] {
        try await withTransaction { database in
            let closed = try await database.raw(
                """
                UPDATE tickets SET status = 'closed', closed_at = \(bind: now.microseconds),
                    updated_at = \(bind: now.microseconds), resolution = 'validated'
                WHERE status = 'fixed' AND validation_ends_at <= \(bind: now.microseconds)
                RETURNING id
                """
            ).all().map { try $0.decode(column: "id", as: Int64.self) }
            try await TicketHostTimes.freeze(tickets: closed, in: database)
            for id in closed.sorted() {
                try await TicketHistory.record(
                    .autoClosed, ticketID: id, actor: TicketActor.validation,
                    detail: "no occurrence during the validation window; closed", at: now, in: database)
                let clients = try await database.raw(
                    "SELECT client_id FROM ticket_clients WHERE ticket_id = \(bind: id) ORDER BY client_id"
                ).all().map { try $0.decode(column: "client_id", as: Int64.self) }
                try await outbox.queue(
                    clients.map { MailOutbox.Email(kind: .resolved, ticketID: id, clientID: $0) },
                    actor: TicketActor.validation, now: now, in: database, engine: engine)
            }
            return closed.sorted()
        }
    }

    /// The ticket's status, its row locked on PostgreSQL; throws not-found for an unknown ticket.
    private func lockedStatus(of id: Int64, in database: any SQLDatabase) async throws -> TicketStatus {
        let lock: SQLQueryString = engine == .postgresql ? " FOR UPDATE" : ""
        guard let row = try await database.raw("SELECT status FROM tickets WHERE id = \(bind: id)\(lock)").first()
        else {
            throw StoreError.notFound("no ticket #\(id); see 'faultline-collector ticket list'")
        }
        return TicketStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .open
    }

    private static func ticket(from row: any SQLRow) throws -> Ticket {
        func time(_ column: String) throws -> WireTimestamp? {
            try row.decode(column: column, as: Int64?.self).map { WireTimestamp(microseconds: $0) }
        }
        return Ticket(
            id: try row.decode(column: "id", as: Int64.self),
            groupID: try row.decode(column: "group_id", as: String.self),
            title: try row.decode(column: "title", as: String.self),
            status: TicketStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
            priority: TicketPriority(rawValue: try row.decode(column: "priority", as: String.self)) ?? .normal,
            category: try row.decode(column: "category", as: String.self),
            assignee: try row.decode(column: "assignee", as: String?.self),
            resolution: try row.decode(column: "resolution", as: String?.self),
            fixNote: try row.decode(column: "fix_note", as: String?.self),
            fixVersion: try row.decode(column: "fix_version", as: String?.self),
            fixedAt: try time("fixed_at"), validationEndsAt: try time("validation_ends_at"),
            closedAt: try time("closed_at"), firstSeen: try time("first_seen")!, lastSeen: try time("last_seen")!,
            occurrences: try row.decode(column: "occurrences", as: Int64.self),
            createdAt: try time("created_at")!, updatedAt: try time("updated_at")!)
    }
}
