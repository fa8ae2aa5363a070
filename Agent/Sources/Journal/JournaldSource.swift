import FaultlineCore
import Logging

/// The journald source: reads entries through `sd_journal` with the unit, identifier and priority matches
/// applied inside libsystemd, and turns them into ``LogEvent``s whose position is the entry's cursor.
///
/// Its checkpoint is a cursor such that every entry up to it, matching or not, has been considered and every
/// matching one handed to the pipeline. That is the last entry handed over, or, when the entries after it were
/// all skipped by the matches, the end of the journal: so the checkpoint keeps moving while only other
/// programs write, and a restart after days of silence seeks to a recent entry instead of one vacuumed long
/// ago. On restart it seeks there; when rotation or vacuum removed that entry meanwhile, the entries in
/// between are counted in ``linesLost`` rather than silently skipped, and the same re-seek runs whenever
/// journal files are removed while reading. Without a checkpoint it starts where the settings say (tail by
/// default). Used from one thread, like the journal handles it owns.
public final class JournaldSource {
    /// The checkpoint key of the journald source.
    public static let checkpointKey = "journald"

    /// The journal with the matches: returns only the entries the pipeline wants.
    private let reader: JournalReader
    /// The same journal without matches, only asked where the journal ends (see ``beginDrain()``).
    private let horizon: JournalReader
    private let logger: Logger
    private var cursor: String?
    /// The last checkpoint found missing and how many lost entries were counted behind it: seeking to it
    /// again (each time files are removed, until reading moves on) counts only what was lost since.
    private var countedGap: (cursor: String, lost: Int)?
    /// Where the journal ended when the current drain began; `nil` for an empty journal.
    private var drainHorizon: JournalReader.TailCursors?
    /// Whether a drain (reading until ``JournalReader/next()`` returns `nil`) is under way.
    private var isDraining = false
    /// Whether the current drain handed an entry to the pipeline.
    private var emittedDuringDrain = false

    /// Entries handed to the pipeline since the source was created.
    public private(set) var linesRead = 0
    /// Entries that rotation or vacuum removed before they could be read, or that could not be read.
    public private(set) var linesLost = 0

    /// Opens the journal, applies the matches (`filter`) and seeks to the checkpoint, or without one to the
    /// configured start.
    public init(
        settings: JournalSourceSettings, filter: JournalFilter, checkpoint: SourceCheckpoint?, logger: Logger
    ) throws {
        reader = try Self.open(settings)
        horizon = try Self.open(settings)
        self.logger = logger
        try reader.apply(filter)
        if let saved = checkpoint?.state, !saved.isEmpty {
            do {
                try resume(at: saved)
                return
            } catch let error as JournalError where error.kind == .invalidCursor {
                logger.error(
                    "the saved journal cursor is invalid; starting over", metadata: ["journal.cursor": "\(saved)"])
            }
        }
        switch settings.start {
        case .head: try reader.seekToHead()
        case .tail: try reader.seekToTail()
        case .since(let time): try reader.seek(toRealtimeMicroseconds: UInt64(max(0, time.microseconds)))
        }
    }

    private static func open(_ settings: JournalSourceSettings) throws -> JournalReader {
        switch settings.location {
        case .local: try JournalReader(fieldSizeLimit: settings.maximumMessageBytes)
        case .directory(let directory):
            try JournalReader(directory: directory, fieldSizeLimit: settings.maximumMessageBytes)
        case .files(let files): try JournalReader(files: files, fieldSizeLimit: settings.maximumMessageBytes)
        }
    }

    /// Seeks the matched reader to `checkpoint`, counting the entries rotated away after it as lost.
    private func resume(at checkpoint: String) throws {
        cursor = checkpoint
        guard case .entryMissing(let lostAtMost) = try reader.seek(toCursor: checkpoint) else { return }
        // Without sequence numbers to bound the gap, at least one entry is known to be gone.
        let gap = Int(clamping: lostAtMost ?? 1)
        let alreadyCounted = countedGap.flatMap { $0.cursor == checkpoint ? $0.lost : nil } ?? 0
        let lost = max(0, gap - alreadyCounted)
        countedGap = (checkpoint, max(gap, alreadyCounted))
        guard lost > 0 else { return }
        linesLost += lost
        logger.warning(
            "journal entries after the checkpoint were rotated away before they were read",
            metadata: ["journal.cursor": "\(checkpoint)", "journal.lost_at_most": "\(lost)"]
        )
    }

    /// The descriptor the runtime's poll loop watches, and the events to watch for.
    public var pollDescriptor: Int32 { reader.pollDescriptor }

    /// The `poll(2)` events for ``pollDescriptor``.
    public var pollEvents: Int16 { reader.pollEvents }

    /// Reads up to `maximumEvents` entries; returns `true` when more may be waiting (the budget ran out).
    ///
    /// Call it after ``pollDescriptor`` signalled (it acknowledges the change) and on each tick.
    public func read(maximumEvents: Int, emit: (LogEvent) -> Void) throws -> Bool {
        if !isDraining {
            try beginDrain()
        }
        // After the horizon was taken (see beginDrain), and to acknowledge what woke the poll loop.
        if try reader.process() == .invalidated, let cursor {
            // Files were rotated or removed. If the checkpointed entry went with them, entries after it may
            // have gone unread: seeking back to it finds out and counts them. The reader has returned nothing
            // after the checkpoint, so the seek never goes back over an entry already handed on.
            try resume(at: cursor)
        }
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
            guard let entry else {
                endDrain()
                return false
            }
            count += 1
            linesRead += 1
            cursor = entry.cursor
            emittedDuringDrain = true
            emit(Self.event(entry))
        }
        return true
    }

    /// Notes where the journal ends, before the matched reader starts reading towards it.
    ///
    /// The newest entry may be one journald has added to the journal's list of entries but not yet to the
    /// per-field indexes that matches read: a matched reader can miss it for a moment. journald writes one
    /// entry completely before it starts the next, so the entry before the newest is fully indexed: that is
    /// the position a drain may vouch for. (Files written by several programs at once, which journald's own
    /// directories never are, would void that guarantee.) The horizon handle is brought up to date first and
    /// the matched reader after it, so the matched reader knows every file holding entries up to the horizon.
    private func beginDrain() throws {
        _ = try horizon.process()
        drainHorizon = try horizon.tailCursors()
        isDraining = true
        emittedDuringDrain = false
    }

    /// The matched reader is at the end: every matching entry up to the horizon has been handed on, so the
    /// checkpoint may move to the horizon if it is ahead.
    ///
    /// It is ahead unless the drain handed on entries: those may lie after it, and comparing positions across
    /// journal files is libsystemd's business, so the next drain moves the checkpoint instead. Otherwise the
    /// checkpoint is an entry read before the drain began, or an earlier horizon, or a checkpoint restored
    /// from one of those: either the newest entry (the checkpoint stays) or an entry at or before the one
    /// just before it, which becomes the checkpoint.
    private func endDrain() {
        if !emittedDuringDrain, let drainHorizon, cursor != drainHorizon.newest,
            let beforeNewest = drainHorizon.beforeNewest
        {
            cursor = beforeNewest
        }
        isDraining = false
    }

    /// The cursor up to which the journal has been read, to save with the batch that covers it.
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
