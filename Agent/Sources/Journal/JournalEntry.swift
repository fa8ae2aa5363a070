/// One journal entry, with the fields the agent keeps for detection and samples.
///
/// Text fields are decoded as UTF-8 with invalid sequences replaced; ``message`` stays as bytes because
/// journald stores whatever a program wrote, binary data included. A field the entry does not have is `nil`.
public struct JournalEntry: Sendable, Hashable {
    /// `MESSAGE=`, as written; empty when the entry has none.
    public var message: [UInt8]
    /// `PRIORITY=`, 0 (emerg) to 7 (debug); `nil` when absent or not a number.
    public var priority: Int?
    /// `_SYSTEMD_UNIT=`, such as `api.service`.
    public var unit: String?
    /// `SYSLOG_IDENTIFIER=`, such as `api`.
    public var identifier: String?
    /// `_PID=`, the process that logged the entry.
    public var pid: Int?
    /// `_BOOT_ID=`, 32 lowercase hex digits.
    public var bootID: String?
    /// `_HOSTNAME=`.
    public var hostname: String?
    /// `__REALTIME_TIMESTAMP`: microseconds since 1970-01-01 UTC when journald received the entry.
    public var realtimeMicroseconds: UInt64
    /// The entry's cursor: store it as the checkpoint and hand it to ``JournalReader/seek(toCursor:)`` later.
    public var cursor: String

    /// Creates an entry; ``JournalReader`` makes them, tests and the `scan` command build their own.
    public init(
        message: [UInt8],
        priority: Int? = nil,
        unit: String? = nil,
        identifier: String? = nil,
        pid: Int? = nil,
        bootID: String? = nil,
        hostname: String? = nil,
        realtimeMicroseconds: UInt64,
        cursor: String
    ) {
        self.message = message
        self.priority = priority
        self.unit = unit
        self.identifier = identifier
        self.pid = pid
        self.bootID = bootID
        self.hostname = hostname
        self.realtimeMicroseconds = realtimeMicroseconds
        self.cursor = cursor
    }

    /// ``message`` decoded as UTF-8, invalid sequences replaced by U+FFFD.
    public var messageText: String { String(decoding: message, as: UTF8.self) }
}
