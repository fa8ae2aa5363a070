import FaultlineCore
import Logging

/// The journald source: reads entries through `sd_journal` with the unit, identifier and priority matches
/// applied inside libsystemd, and turns them into ``LogEvent``s whose position is the entry's cursor.
///
/// Its checkpoint is the cursor of the last entry handed to the pipeline. On restart it seeks there; when
/// rotation or vacuum removed that entry meanwhile, the entries in between are counted in ``linesLost``
/// rather than silently skipped. Without a checkpoint it starts where the settings say (tail by default).
/// Used from one thread, like the journal handle it owns.
public final class JournaldSource {
    /// The checkpoint key of the journald source.
    public static let checkpointKey = "journald"

    private let reader: JournalReader
    private let logger: Logger
    private var cursor: String?

    /// Entries handed to the pipeline since the source was created.
    public private(set) var linesRead = 0
    /// Entries that rotation or vacuum removed before they could be read, or that could not be read.
    public private(set) var linesLost = 0

    /// Opens the journal, applies the matches (`filter`) and seeks to the checkpoint, or without one to the
    /// configured start.
    public init(
        settings: JournalSourceSettings, filter: JournalFilter, checkpoint: SourceCheckpoint?, logger: Logger
    ) throws {
        switch settings.location {
        case .local: reader = try JournalReader(fieldSizeLimit: settings.maximumMessageBytes)
        case .directory(let directory):
            reader = try JournalReader(directory: directory, fieldSizeLimit: settings.maximumMessageBytes)
        case .files(let files): reader = try JournalReader(files: files, fieldSizeLimit: settings.maximumMessageBytes)
        }
        self.logger = logger
        try reader.apply(filter)
        if let saved = checkpoint?.state, !saved.isEmpty {
            do {
                switch try reader.seek(toCursor: saved) {
                case .found:
                    cursor = saved
                case .entryMissing(let lostAtMost):
                    cursor = saved
                    let lost = Int(clamping: lostAtMost ?? 1)
                    linesLost += lost
                    logger.warning(
                        "journal entries after the checkpoint were rotated away before they were read",
                        metadata: ["journal.cursor": "\(saved)", "journal.lost_at_most": "\(lost)"]
                    )
                }
                return
            } catch let error as JournalError where error.kind == .invalidCursor {
                logger.error("the saved journal cursor is invalid; starting over", metadata: ["journal.cursor": "\(saved)"])
            }
        }
        switch settings.start {
        case .head: try reader.seekToHead()
        case .tail: try reader.seekToTail()
        case .since(let time): try reader.seek(toRealtimeMicroseconds: UInt64(max(0, time.microseconds)))
        }
    }

    /// The descriptor the runtime's poll loop watches, and the events to watch for.
    public var pollDescriptor: Int32 { reader.pollDescriptor }

    /// The `poll(2)` events for ``pollDescriptor``.
    public var pollEvents: Int16 { reader.pollEvents }

    /// Reads up to `maximumEvents` entries; returns `true` when more may be waiting (the budget ran out).
    ///
    /// Call it after ``pollDescriptor`` signalled (it acknowledges the change) and on each tick.
    public func read(maximumEvents: Int, emit: (LogEvent) -> Void) throws -> Bool {
        _ = try reader.process()
        var count = 0
        while count < maximumEvents {
            let entry: JournalEntry?
            do {
                entry = try reader.next()
            } catch let error as JournalError where error.kind == .readFailed {
                // A damaged entry: count it and move on rather than stall the journal.
                linesLost += 1
                logger.warning("skipping an unreadable journal entry", metadata: ["error": "\(error)"])
                continue
            }
            guard let entry else { return false }
            count += 1
            linesRead += 1
            cursor = entry.cursor
            emit(Self.event(entry))
        }
        return true
    }

    /// The cursor of the last entry handed to the pipeline, to save with the batch that covers it.
    public func checkpoints() -> [SourceCheckpoint] {
        cursor.map { [SourceCheckpoint(key: Self.checkpointKey, state: $0)] } ?? []
    }

    static func event(_ entry: JournalEntry) -> LogEvent {
        let identity = entry.unit ?? entry.identifier ?? ""
        return LogEvent(
            message: entry.message,
            time: WireTimestamp(microseconds: Int64(clamping: entry.realtimeMicroseconds)),
            source: Batch.Source(kind: "journald", unit: entry.unit, identifier: entry.identifier),
            identity: identity,
            severity: entry.priority.flatMap { Severity(rawValue: $0) },
            position: .cursor(entry.cursor)
        )
    }
}
