import FaultlineCore

/// The agent's durable state in one SQLite file: the sources' checkpoints, the batches waiting to be shipped,
/// the batches the collector refused, and the agent's identity.
///
/// **No line lost, none counted twice.** ``commit(window:groups:health:sender:checkpoints:forgetting:now:)``
/// writes a window's batch and the checkpoints just past the lines it covers in one transaction. After a
/// `kill -9` at any instant the file holds either both or neither; on restart the sources resume from
/// ``loadCheckpoints()``, so the lines of an uncommitted window are read again and the lines of a committed one
/// are not. That guarantee needs only WAL mode: a committed transaction is in the WAL file, in the kernel's page
/// cache, which outlives the process. The connection also runs with `synchronous = FULL`, an fsync per commit
/// (one every flush interval), so that a commit also survives a power loss: otherwise a power loss could undo a
/// batch the shipper had already delivered, and its batch id would be reused for different lines, which the
/// collector would then ignore as a duplicate.
///
/// **Bounded.** ``isFull`` turns true once the waiting bodies reach ``Configuration/maximumBytes``; the caller
/// then stops reading (the journal and the files are the buffer) and resumes when the shipper has drained the
/// spool. Commits are still accepted while full, so the bound can be passed by one window's batch.
///
/// **Two connections.** The shipper opens its own `Spool` on the same file from its own thread: WAL lets it read
/// while the writer commits, and a 5 s busy timeout makes either wait for the other's short write transactions.
/// One `Spool` must never be used from two threads at once (it is not `Sendable`), and every call blocks on disk
/// I/O: call it from a dedicated thread, not from the cooperative pool.
///
/// ```swift
/// let spool = try Spool(path: "/var/lib/faultline/agent.sqlite", configuration: .init(maximumBytes: 64 << 20))
/// for checkpoint in try spool.loadCheckpoints() { ... }     // sources resume here
/// // every flush interval:
/// try spool.commit(window: window, groups: aggregator.drain(), health: health, sender: sender,
///                  checkpoints: sources.map(\.checkpoint))
/// ```
public final class Spool {
    /// The spool's limits.
    public struct Configuration: Sendable {
        /// Bytes of waiting (compressed) batch bodies at which ``Spool/isFull`` turns true; 64 MiB by default.
        public var maximumBytes: Int
        /// Bytes of uncompressed JSON per batch; a window whose batch would be larger is split into several
        /// batches (a single group larger than this still travels alone). 1 MiB by default, well under what a
        /// collector accepts, so a big window is never refused with 413 and dead-lettered.
        public var maximumBatchBytes: Int
        /// Bytes of dead-letter bodies kept; the oldest are deleted beyond it. 16 MiB by default.
        public var maximumDeadLetterBytes: Int
        /// How long a call waits for the other connection's write lock before failing.
        public var busyTimeout: Duration

        /// Creates a configuration.
        public init(
            maximumBytes: Int = 64 << 20, maximumBatchBytes: Int = 1 << 20, maximumDeadLetterBytes: Int = 16 << 20,
            busyTimeout: Duration = .seconds(5)
        ) {
            self.maximumBytes = maximumBytes
            self.maximumBatchBytes = maximumBatchBytes
            self.maximumDeadLetterBytes = maximumDeadLetterBytes
            self.busyTimeout = busyTimeout
        }
    }

    /// What a batch says about the agent besides its id, which the spool owns.
    public struct Sender: Hashable, Sendable {
        /// The host name (or its configured override).
        public var host: String
        /// The agent's version.
        public var version: String
        /// The kernel's boot id, when known.
        public var bootID: String?

        /// Creates a sender description.
        public init(host: String, version: String, bootID: String? = nil) {
            self.host = host
            self.version = version
            self.bootID = bootID
        }
    }

    /// The spool file.
    public let path: String
    /// The agent's UUID (lowercase, with dashes): generated when the file is created, stable across restarts.
    public let agentID: String
    /// The spool's limits.
    public let configuration: Configuration
    /// When this connection last committed a batch; `nil` before the first. See ``isHeartbeatDue(at:interval:)``.
    public private(set) var lastBatchTime: WireTimestamp?

    private let database: SQLiteDatabase

    /// Opens the spool file, creating it and its schema if needed; the directory must exist.
    ///
    /// Throws ``SpoolError`` naming the file when it cannot be opened or migrated (unwritable directory, a file
    /// written by a newer release, a damaged file).
    public init(path: String, configuration: Configuration = .init()) throws(SpoolError) {
        self.path = path
        self.configuration = configuration
        let database: SQLiteDatabase
        do {
            database = try SQLiteDatabase(
                path: path, configuration: .init(synchronous: .full, busyTimeout: configuration.busyTimeout))
            try SpoolMigrations.migrator.migrate(database)
        } catch {
            throw SpoolError(path: path, action: "open its database", underlying: error)
        }
        self.database = database
        agentID = try Self.perform(path, "create the agent id") {
            try database.transaction {
                try database.run(
                    "INSERT INTO agent_state (singleton, agent_id, next_sequence) VALUES (1, ?, 1) "
                        + "ON CONFLICT (singleton) DO NOTHING",
                    [.text(Self.randomUUID())])
                guard let id = try database.rows("SELECT agent_id FROM agent_state").first?[0].string, !id.isEmpty
                else {
                    throw SpoolError(
                        .corruptState, path: path, action: "read the agent id",
                        reason: "agent_state holds no agent id; move the file aside to start a fresh spool")
                }
                return id
            }
        }
    }

    // MARK: Writer side

    /// The checkpoints saved by the last commit, one per source key, in key order.
    public func loadCheckpoints() throws(SpoolError) -> [SourceCheckpoint] {
        try perform("load the checkpoints") {
            try database.rows("SELECT key, state FROM checkpoints ORDER BY key").map { row in
                SourceCheckpoint(key: row[0].string ?? "", state: row[1].string ?? "")
            }
        }
    }

    /// Spools the batch of one window and advances the checkpoints past the lines it covers, in one transaction.
    ///
    /// - `groups`: the aggregator's groups; empty makes a heartbeat, a batch with only `health`.
    /// - `health`: the window's counts. Counts carried over from ``commitCheckpointsOnly(_:health:forgetting:now:)``
    ///   are added, and `spool_bytes` is set to the bytes waiting before this commit.
    /// - `checkpoints` are upserted by key; keys in `forgetting` (sources that are gone) are deleted.
    ///
    /// Returns the batches written: one, or several when the JSON would pass ``Configuration/maximumBatchBytes``
    /// (the counts then travel in the first). Each gets the next sequence and the id `<agent uuid>:<sequence>`.
    /// On error nothing is written: keep the groups and counts and commit them with the next window.
    @discardableResult
    public func commit(
        window: Batch.Window, groups: [Batch.Group], health: Batch.Health, sender: Sender,
        checkpoints: [SourceCheckpoint], forgetting: [String] = [], now: WireTimestamp = .now()
    ) throws(SpoolError) -> [Batch] {
        let chunks = split(groups)
        let batches = try perform("commit a batch") {
            try database.transaction {
                let state = try readState()
                var health = health
                health.linesRead += state.carried.linesRead
                health.errorsSeen += state.carried.errorsSeen
                health.linesLost += state.carried.linesLost
                health.spoolBytes = try pendingBytesInTransaction()
                let agent = Batch.Agent(id: agentID, host: sender.host, version: sender.version, bootID: sender.bootID)
                let insert = try database.prepare(
                    "INSERT INTO batches (sequence, batch_id, body, bytes, created_at, next_attempt_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?)")
                var batches: [Batch] = []
                for (offset, chunk) in chunks.enumerated() {
                    let sequence = state.nextSequence + Int64(offset)
                    let batch = Batch(
                        batchID: "\(agentID):\(sequence)", agent: agent, window: window, groups: chunk,
                        health: offset == 0 ? health : Batch.Health(spoolBytes: health.spoolBytes))
                    let body = Gzip.compress(batch.jsonBytes())
                    try insert.run([
                        .integer(sequence), .text(batch.batchID), .blob(body), .integer(Int64(body.count)),
                        .integer(now.microseconds), .integer(now.microseconds),
                    ])
                    batches.append(batch)
                }
                try database.run(
                    "UPDATE agent_state SET next_sequence = ?, pending_lines_read = 0, pending_errors_seen = 0, "
                        + "pending_lines_lost = 0",
                    [.integer(state.nextSequence + Int64(chunks.count))])
                try save(checkpoints, forgetting: forgetting, now: now)
                return batches
            }
        }
        lastBatchTime = now
        return batches
    }

    /// Advances the checkpoints without spooling a batch, for a window with no errors when no heartbeat is due.
    ///
    /// The window's counts (lines read, errors seen, lines lost) are kept in the file, in the same transaction,
    /// and added to the next batch's `health`, so that a loss noticed in a quiet window is still reported.
    public func commitCheckpointsOnly(
        _ checkpoints: [SourceCheckpoint], health: Batch.Health = .init(), forgetting: [String] = [],
        now: WireTimestamp = .now()
    ) throws(SpoolError) {
        try perform("commit the checkpoints") {
            try database.transaction {
                try database.run(
                    "UPDATE agent_state SET pending_lines_read = pending_lines_read + ?, "
                        + "pending_errors_seen = pending_errors_seen + ?, pending_lines_lost = pending_lines_lost + ?",
                    [
                        .integer(Int64(health.linesRead)), .integer(Int64(health.errorsSeen)),
                        .integer(Int64(health.linesLost)),
                    ])
                try save(checkpoints, forgetting: forgetting, now: now)
            }
        }
    }

    /// True when no batch was committed through this spool for `interval` or more (or ever, since it opened).
    ///
    /// To send a heartbeat at least once a minute with flushes every 5 s, ask with a 55 s interval: the flush
    /// that finds the heartbeat due comes up to one flush interval later.
    public func isHeartbeatDue(at now: WireTimestamp, interval: Duration) -> Bool {
        guard let lastBatchTime else { return true }
        let micros = interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000
        return now.microseconds - lastBatchTime.microseconds >= micros
    }

    /// Bytes of compressed batch bodies waiting to be shipped (dead letters excluded).
    public var pendingBytes: Int {
        get throws(SpoolError) { try perform("sum the waiting batches") { try pendingBytesInTransaction() } }
    }

    /// True when ``pendingBytes`` reached ``Configuration/maximumBytes``: stop reading until it turns false.
    public var isFull: Bool {
        get throws(SpoolError) { try pendingBytes >= configuration.maximumBytes }
    }

    // MARK: Shipper side

    /// The oldest batch whose next attempt is due at `now`, or `nil` when none is.
    public func nextDue(now: WireTimestamp = .now()) throws(SpoolError) -> SpooledBatch? {
        try perform("read the next batch") {
            try database.rows(
                "SELECT sequence, batch_id, body, attempts, created_at FROM batches WHERE next_attempt_at <= ? "
                    + "ORDER BY sequence LIMIT 1",
                [.integer(now.microseconds)]
            ).first.map { row in
                SpooledBatch(
                    sequence: row[0].int64 ?? 0, batchID: row[1].string ?? "", body: row[2].blob ?? [],
                    attempts: Int(row[3].int64 ?? 0), createdAt: WireTimestamp(microseconds: row[4].int64 ?? 0))
            }
        }
    }

    /// When the next batch becomes due (possibly in the past), or `nil` when the spool is empty.
    public func nextAttemptTime() throws(SpoolError) -> WireTimestamp? {
        try perform("read the next attempt time") {
            try database.rows("SELECT MIN(next_attempt_at) FROM batches").first?[0].int64.map {
                WireTimestamp(microseconds: $0)
            }
        }
    }

    /// Removes a batch the collector accepted (a 200 for a duplicate included); unknown sequences are ignored.
    public func delivered(sequence: Int64) throws(SpoolError) {
        try perform("remove a delivered batch") {
            try database.run("DELETE FROM batches WHERE sequence = ?", [.integer(sequence)])
        }
    }

    /// Records a failed attempt: one more attempt, the error, and when to try again.
    public func retryLater(sequence: Int64, at nextAttempt: WireTimestamp, error: String) throws(SpoolError) {
        try perform("reschedule a batch") {
            try database.run(
                "UPDATE batches SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE sequence = ?",
                [.integer(nextAttempt.microseconds), .text(error), .integer(sequence)])
        }
    }

    /// Moves a batch the collector refused for good (a 4xx other than 408 and 429) to `dead_letters`, in one
    /// transaction, with `reason` (the status and the collector's message). Unknown sequences are ignored.
    ///
    /// The dead letters kept are bounded by ``Configuration/maximumDeadLetterBytes``: the oldest are deleted
    /// first, never the one just moved.
    public func deadLetter(sequence: Int64, reason: String, now: WireTimestamp = .now()) throws(SpoolError) {
        try perform("move a batch to the dead letters") {
            try database.transaction {
                try database.run(
                    "INSERT INTO dead_letters (sequence, batch_id, body, bytes, created_at, attempts, "
                        + "next_attempt_at, last_error, reason, failed_at) SELECT sequence, batch_id, body, bytes, "
                        + "created_at, attempts + 1, next_attempt_at, last_error, ?, ? FROM batches WHERE sequence = ?",
                    [.text(reason), .integer(now.microseconds), .integer(sequence)])
                guard database.changes > 0 else { return }
                try database.run("DELETE FROM batches WHERE sequence = ?", [.integer(sequence)])
                // Keep the newest dead letters whose bodies fit the bound, and always the one just moved.
                try database.run(
                    """
                    DELETE FROM dead_letters WHERE sequence IN (
                        SELECT sequence FROM (
                            SELECT sequence, SUM(bytes) OVER (ORDER BY sequence DESC) AS kept FROM dead_letters
                        ) WHERE kept > ? AND sequence <> ?
                    )
                    """,
                    [.integer(Int64(configuration.maximumDeadLetterBytes)), .integer(sequence)])
            }
        }
    }

    /// The number of batches in `dead_letters`.
    public var deadLetterCount: Int {
        get throws(SpoolError) {
            try perform("count the dead letters") {
                Int(try database.rows("SELECT COUNT(*) FROM dead_letters").first?[0].int64 ?? 0)
            }
        }
    }

    // MARK: Helpers

    private struct State {
        var nextSequence: Int64
        var carried: Batch.Health
    }

    private func readState() throws -> State {
        guard
            let row = try database.rows(
                "SELECT next_sequence, pending_lines_read, pending_errors_seen, pending_lines_lost FROM agent_state"
            ).first, let next = row[0].int64
        else {
            throw SpoolError(
                .corruptState, path: path, action: "allocate a batch sequence",
                reason: "agent_state has no row; move the file aside to start a fresh spool")
        }
        let carried = Batch.Health(
            linesRead: Int(row[1].int64 ?? 0), errorsSeen: Int(row[2].int64 ?? 0), linesLost: Int(row[3].int64 ?? 0))
        return State(nextSequence: next, carried: carried)
    }

    private func pendingBytesInTransaction() throws -> Int {
        Int(try database.rows("SELECT COALESCE(SUM(bytes), 0) FROM batches").first?[0].int64 ?? 0)
    }

    private func save(_ checkpoints: [SourceCheckpoint], forgetting: [String], now: WireTimestamp) throws {
        let upsert = try database.prepare(
            "INSERT INTO checkpoints (key, state, updated_at) VALUES (?, ?, ?) "
                + "ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at")
        for checkpoint in checkpoints {
            try upsert.run([.text(checkpoint.key), .text(checkpoint.state), .integer(now.microseconds)])
        }
        let delete = try database.prepare("DELETE FROM checkpoints WHERE key = ?")
        for key in forgetting { try delete.run([.text(key)]) }
    }

    /// A random (version 4) UUID, lowercase with dashes; `SystemRandomNumberGenerator` reads `getrandom(2)`.
    static func randomUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = withUnsafeBytes(of: (generator.next() as UInt64, generator.next() as UInt64)) { Array($0) }
        bytes[6] = bytes[6] & 0x0f | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3f | 0x80  // RFC 9562 variant
        var text = ""
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text += "-" }
            text += String(byte >> 4, radix: 16) + String(byte & 0xf, radix: 16)
        }
        return text
    }

    /// Splits the groups so that each batch's JSON stays under ``Configuration/maximumBatchBytes``; a heartbeat
    /// (no groups) is one batch with none.
    private func split(_ groups: [Batch.Group]) -> [[Batch.Group]] {
        let limit = configuration.maximumBatchBytes
        let sizes = groups.map { $0.jsonBytes().count + 1 }
        // Agent, window and health take well under 1 KiB; host names and boot ids are short.
        let envelope = 1024
        guard envelope + sizes.reduce(0, +) > limit else { return [groups] }
        var chunks: [[Batch.Group]] = []
        var current: [Batch.Group] = []
        var currentBytes = envelope
        for (group, size) in zip(groups, sizes) {
            if !current.isEmpty, currentBytes + size > limit {
                chunks.append(current)
                current = []
                currentBytes = envelope
            }
            current.append(group)
            currentBytes += size
        }
        chunks.append(current)
        return chunks
    }

    private func perform<Value>(_ action: String, _ body: () throws -> Value) throws(SpoolError) -> Value {
        try Self.perform(path, action, body)
    }

    private static func perform<Value>(
        _ path: String, _ action: String, _ body: () throws -> Value
    ) throws(SpoolError) -> Value {
        do {
            return try body()
        } catch let error as SpoolError {
            throw error
        } catch let error as SQLiteError {
            throw SpoolError(path: path, action: action, underlying: error)
        } catch {
            throw SpoolError(.corruptState, path: path, action: action, reason: "\(error)")
        }
    }
}

@available(*, unavailable, message: "A spool connection belongs to one thread; open another Spool for another.")
extension Spool: Sendable {}

/// The spool is the shipper's queue; the shipper opens its own ``Spool`` on its own thread.
extension Spool: BatchQueue {
    /// Moves a batch the collector will never accept to the dead letters, stamped now.
    public func deadLetter(sequence: Int64, reason: String) throws {
        try deadLetter(sequence: sequence, reason: reason, now: .now())
    }
}
