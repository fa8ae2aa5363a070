import FaultlineCore
import SQLKit

/// What the store holds right now, read when `/metrics` is scraped.
public struct StoreGauges: Sendable, Equatable {
    /// Tickets per status; every status is present, zero when no ticket has it.
    public var ticketsByStatus: [TicketStatus: Int64]
    /// Emails in the outbox not delivered yet, and how many of them failed at least once.
    public var emailsPending: Int64
    public var emailsFailing: Int64
    /// Age in seconds of the oldest email not delivered yet; zero when the outbox is empty.
    public var oldestPendingEmailSeconds: Double
    /// Hosts known, and those that sent nothing (not even a heartbeat) for `silentAfter`.
    public var hosts: Int64
    public var silentHosts: Int64
    /// Lines the agents reported lost (rotated away unread, journal vacuumed), summed over the hosts.
    public var linesLost: Int64
}

extension Store {
    /// Reads the gauges; a host is silent when its last batch is older than `silentAfter` at `now`.
    public func gauges(now: WireTimestamp = .now(), silentAfter: Duration = .seconds(300)) async throws -> StoreGauges {
        let silentBefore = now.microseconds - silentAfter.microseconds
        return try await withConnection { database in
            var byStatus = Dictionary(uniqueKeysWithValues: TicketStatus.allCases.map { ($0, Int64(0)) })
            for row in try await database.raw("SELECT status, COUNT(*) AS count FROM tickets GROUP BY status").all() {
                if let status = TicketStatus(rawValue: try row.decode(column: "status", as: String.self)) {
                    byStatus[status] = try row.decode(column: "count", as: Int64.self)
                }
            }
            let outbox = try await database.raw(
                """
                SELECT COUNT(*) AS pending, CAST(COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS failing,
                    COALESCE(MIN(created_at), 0) AS oldest
                FROM outbox WHERE sent_at IS NULL
                """
            ).first()!
            let hosts = try await database.raw(
                """
                SELECT COUNT(*) AS hosts,
                    CAST(COALESCE(SUM(CASE WHEN last_seen < \(bind: silentBefore) THEN 1 ELSE 0 END), 0) AS BIGINT) AS silent,
                    CAST(COALESCE(SUM(lines_lost_total), 0) AS BIGINT) AS lost
                FROM hosts
                """
            ).first()!
            let pending = try outbox.decode(column: "pending", as: Int64.self)
            let oldest = try outbox.decode(column: "oldest", as: Int64.self)
            return StoreGauges(
                ticketsByStatus: byStatus,
                emailsPending: pending,
                emailsFailing: try outbox.decode(column: "failing", as: Int64.self),
                oldestPendingEmailSeconds: pending == 0 ? 0 : Double(max(0, now.microseconds - oldest)) / 1e6,
                hosts: try hosts.decode(column: "hosts", as: Int64.self),
                silentHosts: try hosts.decode(column: "silent", as: Int64.self),
                linesLost: try hosts.decode(column: "lost", as: Int64.self))
        }
    }
}

extension Store {
    /// Throws unless the database answers a trivial query: the health check and the watchdog's condition.
    public func ping() async throws {
        _ = try await withConnection { database in try await database.raw("SELECT 1 AS one").first() }
    }
}
