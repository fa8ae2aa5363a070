import CSystemd
import Glibc

/// Reads systemd journal entries in order through `sd_journal`, filtered inside libsystemd.
///
/// Open the local journal, a directory or a list of files; ``apply(_:)`` a ``JournalFilter``; seek to where
/// reading should start; then call ``next()`` until it returns `nil` and ``wait(timeout:)`` for more:
///
/// ```swift
/// let reader = try JournalReader()
/// try reader.apply(JournalFilter(units: ["api.service"], maximumPriority: 3))
/// if let checkpoint {
///     if case .entryMissing(let lostAtMost) = try reader.seek(toCursor: checkpoint) {
///         // the checkpointed entry was vacuumed: count a gap of up to `lostAtMost` entries
///     }
/// } else {
///     try reader.seekToTail()
/// }
/// while running {
///     while let entry = try reader.next() { handle(entry); checkpoint = entry.cursor }
///     _ = try reader.wait(timeout: .seconds(1))
/// }
/// ```
///
/// An `sd_journal` handle must not be used from two threads at the same time, nor after `fork()`. The reader is
/// therefore not `Sendable`: keep it in the one thread or task that reads, and since ``wait(timeout:)`` and
/// even ``next()`` block on file I/O, let that be a dedicated thread rather than the cooperative pool.
public final class JournalReader {
    /// Where ``seek(toCursor:)`` left the reader.
    public enum CursorSeekResult: Sendable, Hashable {
        /// The checkpointed entry is still in the journal; ``next()`` returns the entries after it.
        case found
        /// The checkpointed entry is gone (rotated and vacuumed away); ``next()`` returns the oldest entry after
        /// its position that is still there, so the entries in between are lost. `lostAtMost` bounds how many
        /// entries of any source were lost, when the sequence numbers allow it (same journal sequence).
        case entryMissing(lostAtMost: UInt64?)
    }

    /// The newest two entries, as ``tailCursors()`` found them.
    public struct TailCursors: Sendable, Hashable {
        /// The newest entry.
        public var newest: String
        /// The entry just before it in the journal's order, `nil` when there is only one.
        public var beforeNewest: String?

        /// Creates the pair; ``tailCursors()`` makes them.
        public init(newest: String, beforeNewest: String?) {
            self.newest = newest
            self.beforeNewest = beforeNewest
        }
    }

    /// What ``wait(timeout:)`` saw happen to the journal.
    public enum Change: Sendable, Hashable {
        /// Nothing changed before the timeout.
        case none
        /// Entries were appended; ``next()`` returns them.
        case appended
        /// Journal files were added or removed (rotation, vacuum); ``next()`` goes on from the same position.
        case invalidated
    }

    private let handle: OpaquePointer
    private let fieldSizeLimit: Int?
    private var filter = JournalFilter()
    /// True when a seek already moved onto an entry that ``next()`` has not yet returned.
    private var currentEntryIsUnread = false

    /// Opens the journal of this machine (`sd_journal_open` with `SD_JOURNAL_LOCAL_ONLY`): system and user
    /// journals, runtime and persistent, but not journals received from other machines.
    ///
    /// The process must be root or in the `systemd-journal` (or `adm`) group to see other programs' entries;
    /// without it the journal opens but only shows the process's own user journal.
    ///
    /// - Parameter fieldSizeLimit: The most bytes of a field to return; `nil` returns fields whole, however
    ///   large. libsystemd's own default would silently cut compressed fields at 64 KiB.
    public convenience init(fieldSizeLimit: Int? = nil) throws {
        try self.init(fieldSizeLimit: fieldSizeLimit, call: "sd_journal_open(SD_JOURNAL_LOCAL_ONLY)") { handle in
            sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY))
        }
    }

    /// Opens the journal files in one directory, such as `/var/log/journal/<machine-id>` or a copy of one.
    ///
    /// Files added to the directory later (rotation) are picked up by ``wait(timeout:)``.
    ///
    /// - Parameter fieldSizeLimit: The most bytes of a field to return; `nil` returns fields whole.
    public convenience init(directory: String, fieldSizeLimit: Int? = nil) throws {
        try self.init(fieldSizeLimit: fieldSizeLimit, call: "sd_journal_open_directory(\"\(directory)\")") { handle in
            sd_journal_open_directory(&handle, directory, 0)
        }
    }

    /// Opens the given journal files and no others.
    ///
    /// - Parameter fieldSizeLimit: The most bytes of a field to return; `nil` returns fields whole.
    public convenience init(files: [String], fieldSizeLimit: Int? = nil) throws {
        let call = "sd_journal_open_files(\(files.map { "\"\($0)\"" }.joined(separator: ", ")))"
        try self.init(fieldSizeLimit: fieldSizeLimit, call: call) { handle in
            var paths: [UnsafePointer<CChar>?] = files.map { UnsafePointer(strdup($0)) }
            defer {
                for path in paths { free(UnsafeMutablePointer(mutating: path)) }
            }
            paths.append(nil)
            return sd_journal_open_files(&handle, &paths, 0)
        }
    }

    private init(fieldSizeLimit: Int?, call: String, open: (inout OpaquePointer?) -> Int32) throws {
        var handle: OpaquePointer?
        let result = open(&handle)
        guard result >= 0, let handle else {
            throw JournalError(.openFailed, call: call, result: result, advice: Self.openAdvice(result))
        }
        self.handle = handle
        self.fieldSizeLimit = fieldSizeLimit
        // Size 0 means no threshold: fields come back whole. An explicit limit is enforced again when reading,
        // because libsystemd treats its threshold as a hint (it only bounds decompression).
        let threshold = sd_journal_set_data_threshold(handle, fieldSizeLimit.map { max($0, 1) } ?? 0)
        if threshold < 0 {
            let advice = "The journal handle is unusable; reopen the reader"
            throw JournalError(.openFailed, call: "sd_journal_set_data_threshold", result: threshold, advice: advice)
        }
        // Setting up inotify now, not at the first wait, so that no change between the two goes unnoticed.
        let descriptor = sd_journal_get_fd(handle)
        if descriptor < 0 {
            let advice =
                "The journal cannot be watched for new entries; if the error is about too many open files, "
                + "raise fs.inotify.max_user_instances or the process's file limit"
            throw JournalError(.openFailed, call: "sd_journal_get_fd", result: descriptor, advice: advice)
        }
    }

    deinit {
        sd_journal_close(handle)
    }

    /// Replaces the reader's filter; entries that don't pass are skipped inside libsystemd.
    ///
    /// Apply the filter before seeking: changing it leaves the reader without a current entry, so seek again
    /// after changing it while reading. If libsystemd rejects the filter, the previous one stays in force.
    ///
    /// - Throws: ``JournalError`` of kind ``JournalError/Kind/invalidFilter`` for a priority outside 0...7 or a
    ///   match libsystemd refuses.
    public func apply(_ filter: JournalFilter) throws {
        if let priority = filter.maximumPriority, !(0...7).contains(priority) {
            let advice = "the maximum priority must be 0 (emerg) to 7 (debug), got \(priority)"
            throw JournalError(.invalidFilter, call: "JournalReader.apply", result: nil, advice: advice)
        }
        do {
            try addMatches(for: filter)
        } catch {
            try? addMatches(for: self.filter)
            throw error
        }
        self.filter = filter
        currentEntryIsUnread = false
    }

    /// Moves before the oldest entry, so that ``next()`` returns the whole journal.
    public func seekToHead() throws {
        currentEntryIsUnread = false
        let result = sd_journal_seek_head(handle)
        if result < 0 {
            throw JournalError(.seekFailed, call: "sd_journal_seek_head", result: result, advice: Self.damageAdvice)
        }
    }

    /// Moves to the newest entry that passes the filter, so that ``next()`` returns only entries added later.
    public func seekToTail() throws {
        currentEntryIsUnread = false
        var result = sd_journal_seek_tail(handle)
        if result >= 0 {
            // Seeking only records a position; stepping back onto the last entry makes the next step
            // forward land on whatever is appended after it.
            result = sd_journal_previous(handle)
        }
        if result < 0 {
            throw JournalError(.seekFailed, call: "sd_journal_seek_tail", result: result, advice: Self.damageAdvice)
        }
    }

    /// The cursors of the newest entry that passes the filter and of the one before it, or `nil` when no entry
    /// passes. Without a filter, they say where the journal ends.
    ///
    /// The reader is left on the entry before the newest, so seek again before calling ``next()``.
    public func tailCursors() throws -> TailCursors? {
        currentEntryIsUnread = false
        let result = sd_journal_seek_tail(handle)
        if result < 0 {
            throw JournalError(.seekFailed, call: "sd_journal_seek_tail", result: result, advice: Self.damageAdvice)
        }
        guard try stepBack() else { return nil }
        let newest = try currentCursor()
        let beforeNewest = try stepBack() ? try currentCursor() : nil
        return TailCursors(newest: newest, beforeNewest: beforeNewest)
    }

    /// Moves to the first entry received at or after a time, in microseconds since 1970-01-01 UTC.
    public func seek(toRealtimeMicroseconds microseconds: UInt64) throws {
        currentEntryIsUnread = false
        let result = sd_journal_seek_realtime_usec(handle, microseconds)
        if result < 0 {
            let call = "sd_journal_seek_realtime_usec(\(microseconds))"
            throw JournalError(.seekFailed, call: call, result: result, advice: Self.damageAdvice)
        }
    }

    /// Moves to a checkpointed cursor, so that ``next()`` returns the entries after that entry.
    ///
    /// If the entry has been rotated and vacuumed away in the meantime, the reader moves to the first entry
    /// after where it was and says so: the caller counts the gap. Whether the entry still exists is decided
    /// without the filter, so a filter changed since the cursor was taken is not mistaken for a gap.
    ///
    /// - Returns: ``CursorSeekResult/found``, or ``CursorSeekResult/entryMissing(lostAtMost:)``.
    /// - Throws: ``JournalError`` of kind ``JournalError/Kind/invalidCursor`` when `cursor` is not a journal
    ///   cursor; drop the checkpoint and start from the tail.
    public func seek(toCursor cursor: String) throws -> CursorSeekResult {
        currentEntryIsUnread = false
        let filtered = !filter.matchTerms.isEmpty
        do {
            if filtered {
                sd_journal_flush_matches(handle)
            }
            try moveOnto(cursor: cursor)
            let isOnEntryAfterSeek = try step()
            let found = try isOnEntryAfterSeek && isCurrentEntry(cursor)
            let lostAtMost =
                isOnEntryAfterSeek && !found ? Self.lostEntries(from: cursor, to: try currentCursor()) : nil

            if filtered {
                try addMatches(for: filter)
                try moveOnto(cursor: cursor)
                let isOnPassingEntry = try step()
                currentEntryIsUnread = try isOnPassingEntry && !isCurrentEntry(cursor)
            } else {
                currentEntryIsUnread = isOnEntryAfterSeek && !found
            }
            return found ? .found : .entryMissing(lostAtMost: lostAtMost)
        } catch {
            if filtered {
                try? addMatches(for: filter)
            }
            throw error
        }
    }

    /// Returns the next entry that passes the filter, or `nil` at the end of the journal.
    ///
    /// After `nil`, call ``wait(timeout:)`` and then `next()` again: the reader stays at the end and returns
    /// entries as they are appended. If it throws, the entry could not be read (a damaged file); calling it
    /// again moves on.
    public func next() throws -> JournalEntry? {
        if currentEntryIsUnread {
            currentEntryIsUnread = false
        } else if try !step() {
            return nil
        }
        return try currentEntry()
    }

    /// The file descriptor to watch with `poll(2)` for changes; after it signals, call ``process()``.
    ///
    /// Use either this with ``process()`` (one poll loop over several sources) or ``wait(timeout:)``.
    public var pollDescriptor: Int32 { sd_journal_get_fd(handle) }

    /// The events `poll(2)` should wait for on ``pollDescriptor`` (`POLLIN`, or what libsystemd asks for).
    public var pollEvents: Int16 {
        let events = sd_journal_get_events(handle)
        return events > 0 ? Int16(events) : Int16(POLLIN)
    }

    /// Acknowledges a change signalled on ``pollDescriptor`` and tells what it was, without blocking.
    public func process() throws -> Change {
        try change(sd_journal_process(handle), call: "sd_journal_process")
    }

    /// Blocks until the journal changes or `timeout` passes, then tells what changed.
    ///
    /// Read with ``next()`` after it whatever it returns; ``Change/invalidated`` (files rotated or removed)
    /// needs nothing more than that.
    public func wait(timeout: Duration) throws -> Change {
        let (seconds, attoseconds) = timeout.components
        let microseconds =
            seconds < 0 ? 0 : UInt64(seconds) * 1_000_000 + UInt64(max(attoseconds, 0)) / 1_000_000_000_000
        return try change(sd_journal_wait(handle, microseconds), call: "sd_journal_wait")
    }

    /// What a result of `sd_journal_process` or `sd_journal_wait` says happened.
    private func change(_ result: Int32, call: String) throws -> Change {
        switch Int(result) {
        case Int(SD_JOURNAL_APPEND): return .appended
        case Int(SD_JOURNAL_INVALIDATE): return .invalidated
        case _ where result >= 0: return .none
        default:
            let advice = "The journal can no longer be watched; reopen the reader"
            throw JournalError(.waitFailed, call: call, result: result, advice: advice)
        }
    }

    // MARK: - Reading the current entry

    private func currentEntry() throws -> JournalEntry {
        var realtime: UInt64 = 0
        let result = sd_journal_get_realtime_usec(handle, &realtime)
        if result < 0 {
            throw JournalError(
                .readFailed,
                call: "sd_journal_get_realtime_usec",
                result: result,
                advice: Self.damageAdvice
            )
        }
        return JournalEntry(
            message: try field("MESSAGE") ?? [],
            priority: try textField("PRIORITY").flatMap { Int($0) },
            unit: try textField("_SYSTEMD_UNIT"),
            identifier: try textField("SYSLOG_IDENTIFIER"),
            pid: try textField("_PID").flatMap { Int($0) },
            bootID: try textField("_BOOT_ID"),
            hostname: try textField("_HOSTNAME"),
            realtimeMicroseconds: realtime,
            cursor: try currentCursor()
        )
    }

    /// The value of one field of the current entry, without the `NAME=` prefix libsystemd returns.
    private func field(_ name: String) throws -> [UInt8]? {
        var data: UnsafeRawPointer?
        var length = 0
        let result = sd_journal_get_data(handle, name, &data, &length)
        if result == -ENOENT {
            return nil
        }
        if result < 0 {
            throw JournalError(
                .readFailed,
                call: "sd_journal_get_data(\(name))",
                result: result,
                advice: Self.damageAdvice
            )
        }
        let prefixLength = name.utf8.count + 1
        guard let data, length >= prefixLength else { return nil }
        var valueLength = length - prefixLength
        if let fieldSizeLimit {
            valueLength = min(valueLength, fieldSizeLimit)
        }
        return Array(UnsafeRawBufferPointer(start: data + prefixLength, count: valueLength))
    }

    private func textField(_ name: String) throws -> String? {
        try field(name).map { String(decoding: $0, as: UTF8.self) }
    }

    private func currentCursor() throws -> String {
        var cursor: UnsafeMutablePointer<CChar>?
        let result = sd_journal_get_cursor(handle, &cursor)
        defer { free(cursor) }
        guard result >= 0, let cursor else {
            throw JournalError(.readFailed, call: "sd_journal_get_cursor", result: result, advice: Self.damageAdvice)
        }
        return String(cString: cursor)
    }

    // MARK: - Moving

    /// One `sd_journal_next`; true when it moved onto an entry.
    private func step() throws -> Bool {
        let result = sd_journal_next(handle)
        if result < 0 {
            throw JournalError(.readFailed, call: "sd_journal_next", result: result, advice: Self.damageAdvice)
        }
        return result > 0
    }

    /// One `sd_journal_previous`; true when it moved onto an entry.
    private func stepBack() throws -> Bool {
        let result = sd_journal_previous(handle)
        if result < 0 {
            throw JournalError(.readFailed, call: "sd_journal_previous", result: result, advice: Self.damageAdvice)
        }
        return result > 0
    }

    private func moveOnto(cursor: String) throws {
        let result = sd_journal_seek_cursor(handle, cursor)
        if result == -EINVAL {
            let advice = "'\(cursor)' is not a journal cursor; discard the checkpoint and start from the tail"
            throw JournalError(.invalidCursor, call: "sd_journal_seek_cursor", result: result, advice: advice)
        }
        if result < 0 {
            throw JournalError(.seekFailed, call: "sd_journal_seek_cursor", result: result, advice: Self.damageAdvice)
        }
    }

    private func isCurrentEntry(_ cursor: String) throws -> Bool {
        let result = sd_journal_test_cursor(handle, cursor)
        if result < 0 {
            throw JournalError(.readFailed, call: "sd_journal_test_cursor", result: result, advice: Self.damageAdvice)
        }
        return result > 0
    }

    private func addMatches(for filter: JournalFilter) throws {
        sd_journal_flush_matches(handle)
        for term in filter.matchTerms {
            let result: Int32
            let call: String
            switch term {
            case .match(let match):
                result = sd_journal_add_match(handle, match, 0)
                call = "sd_journal_add_match(\"\(match)\")"
            case .disjunction:
                result = sd_journal_add_disjunction(handle)
                call = "sd_journal_add_disjunction"
            case .conjunction:
                result = sd_journal_add_conjunction(handle)
                call = "sd_journal_add_conjunction"
            }
            if result < 0 {
                sd_journal_flush_matches(handle)
                let advice = "Check the unit names and identifiers in the journal source's configuration"
                throw JournalError(.invalidFilter, call: call, result: result, advice: advice)
            }
        }
    }

    // MARK: - Cursors and advice

    /// How many entries can lie between two cursors of the same journal sequence (`s=` equal), from the
    /// sequence numbers (`i=`, hexadecimal) that every cursor carries; `nil` across sequences.
    static func lostEntries(from checkpoint: String, to current: String) -> UInt64? {
        guard let old = sequencePosition(of: checkpoint), let new = sequencePosition(of: current),
            old.sequenceID == new.sequenceID, new.number > old.number
        else { return nil }
        return new.number - old.number - 1
    }

    private static func sequencePosition(of cursor: String) -> (sequenceID: Substring, number: UInt64)? {
        var sequenceID: Substring?
        var number: UInt64?
        for part in cursor.split(separator: ";") {
            if part.hasPrefix("s=") {
                sequenceID = part.dropFirst(2)
            } else if part.hasPrefix("i=") {
                number = UInt64(part.dropFirst(2), radix: 16)
            }
        }
        guard let sequenceID, let number else { return nil }
        return (sequenceID, number)
    }

    private static let damageAdvice =
        "A journal file may be damaged; `journalctl --verify` names it, and moving it aside lets reading go on"

    private static func openAdvice(_ result: Int32) -> String {
        switch -result {
        case EACCES, EPERM:
            "Run the agent as root or add its user to the systemd-journal group"
        case ENOENT, ENOTDIR:
            "Check that the journal directory or files exist"
        default:
            "Check that journald is installed and that its files are readable"
        }
    }
}

@available(*, unavailable, message: "an sd_journal handle must stay on one thread")
extension JournalReader: Sendable {}
