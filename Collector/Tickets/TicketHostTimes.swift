import SQLKit

/// When each host of a ticket last had the ticket's error.
///
/// A `ticket_hosts` row holds when the host joined the ticket (`first_seen`) and a `last_seen` that is
/// written with the row and again when the ticket closes, not with every batch: until the ticket closes,
/// the later occurrences are in the hourly buckets (`occurrences.last_seen`) of the ticket's group on that
/// host, and the host's last time is the later of the two. Closing a ticket writes that time into the row
/// (``freeze(tickets:in:)``), so that a later ticket of the same group does not move it.
enum TicketHostTimes {
    /// An SQL expression: the last occurrence in the buckets of the ticket's group (its survivor once
    /// merged) on the host of the `ticket_hosts` row named `hosts`, from the hour the host joined on; NULL
    /// when there is none (buckets written before they kept their last time have none).
    static func bucketLastSeen(_ hosts: String) -> SQLQueryString {
        """
        (SELECT MAX(o.last_seen) FROM occurrences o
            WHERE o.host_id = \(unsafeRaw: hosts).host_id
                AND o.group_id = (SELECT COALESCE(g.merged_into, g.id) FROM tickets t
                    JOIN error_groups g ON g.id = t.group_id WHERE t.id = \(unsafeRaw: hosts).ticket_id)
                AND o.hour_start > \(unsafeRaw: hosts).first_seen - \(unsafeRaw: String(BatchIngestor.hour)))
        """
    }

    /// Writes into `ticket_hosts` the hosts' last times of tickets `ids`, which close in this transaction.
    static func freeze(tickets ids: [Int64], in database: any SQLDatabase) async throws {
        for chunk in StatementChunks.of(ids, parametersPerItem: 1) {
            try await database.raw(
                """
                UPDATE ticket_hosts SET last_seen = \(bucketLastSeen("ticket_hosts"))
                WHERE ticket_id IN (\(binds: Array(chunk))) AND \(bucketLastSeen("ticket_hosts")) > last_seen
                """
            ).run()
        }
    }
}
