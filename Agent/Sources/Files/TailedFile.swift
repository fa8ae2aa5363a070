import FaultlineCore
import Glibc

/// One file being tailed: its descriptor and identity, how far it has been read, the line it is in the
/// middle of, and the multiline event being assembled.
///
/// Three positions matter. `readOffset` is the next byte to read. `consumedOffset` is the end of the last
/// complete line (a line still without its `\n` lies between the two). The checkpoint offset is the first
/// line of the pending multiline event, or `consumedOffset` when none is pending: everything before it has
/// been emitted in complete events, so a restart from it neither loses nor repeats an event.
///
/// Before each read, the last bytes before `readOffset` are read again and compared with the ones kept in
/// memory: a file that became shorter, or was truncated and rewritten past that point between two reads, is
/// noticed even when its size alone would not tell. Then, if a sibling named after the file (`app.log.1`)
/// holds the same first bytes and the same bytes before `readOffset` (the copy that copytruncate made just
/// before truncating), the rest of the old content is read from that copy before the file is read again
/// from its beginning; only without such a copy is the gap counted as lost.
final class TailedFile {
    /// What one read adds to the source's counters and problem list.
    struct Tally {
        /// Complete lines read.
        var linesRead = 0
        /// Gaps detected (truncations).
        var linesLost = 0
        /// Problems to hand to the caller.
        var problems: [FileSourceError] = []
    }

    /// How a read ended.
    enum ReadOutcome {
        /// Everything the file held was read.
        case endOfFile
        /// The line or byte budget ran out first.
        case budgetExhausted
        /// `pread` failed.
        case failed(FileSourceError)
    }

    /// The most first bytes hashed into the file's identity.
    static let headCapacity = 256
    /// The most bytes before the checkpoint offset hashed into the checkpoint.
    static let tailCapacity = 256
    /// The bytes before the read offset compared at each read.
    static let seamCapacity = 32

    /// The path the globs found the file at; events report it, also after a rotation renamed the file.
    let path: String
    /// The open descriptor, closed on deinit.
    let descriptor: Int32
    /// The device and inode of the open file.
    let identity: FileIdentity
    /// The head hash in the checkpoint key: the file's first bytes when it was first seen.
    let keyHeadHash: UInt64
    /// The inotify watch on the file's inode, or -1.
    var watch: Int32 = -1
    /// Set by inotify events and rescans; cleared when a read reaches the end.
    var needsRead = true
    /// When a rescan first found the file no longer matched by the globs (renamed away or deleted).
    var detachedSince: ContinuousClock.Instant?
    /// Whether the last rescan found the file unlinked from every directory.
    var isDeleted = false
    /// When the last new byte was read.
    private(set) var lastDataTime: ContinuousClock.Instant
    /// Whether the last read reached the end of the file.
    private(set) var atEndOfFile = false

    private let maximumLineBytes: Int
    private let eventSource: Batch.Source
    private let eventIdentity: String
    private var assembler: MultilineAssembler

    private var head: [UInt8]
    private var readOffset: Int64 = 0
    private var seam = TailWindow(capacity: seamCapacity)
    private var consumedOffset: Int64 = 0
    /// The bytes before `consumedOffset`.
    private var tail = TailWindow(capacity: tailCapacity)
    /// The bytes before the pending event's first line, copied when that line arrived.
    private var tailAtPendingStart: [UInt8] = []
    /// The line being read, up to `maximumLineBytes`.
    private var partialLine: [UInt8] = []
    /// Set once the line being read outgrew `maximumLineBytes`: the rest of it is only counted.
    private var skippingRestOfLine = false
    /// The last bytes skipped, which still belong before the next line in the checkpoint's tail.
    private var skippedTail = TailWindow(capacity: tailCapacity)
    /// The copy of the file's old content being read after a copytruncate, or -1.
    private var copyDescriptor: Int32 = -1

    /// Opens `path` for reading; `nil` when it vanished or is not a regular file.
    static func open(_ path: String) throws(FileSourceError) -> (descriptor: Int32, identity: FileIdentity)? {
        // O_NONBLOCK: opening a FIFO that a glob happens to match must not block the agent.
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            let advice =
                "The file is skipped until a rescan can open it; give the agent read access (for example the "
                + "adm group)"
            throw FileSourceError(.openFailed, path: path, errorNumber: code, advice: advice)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(descriptor)
            return nil
        }
        return (descriptor, FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)))
    }

    /// Takes over an open descriptor; reading starts at offset 0 until a `start` method says otherwise.
    ///
    /// - Parameter keyHeadHash: The head hash of the file's existing checkpoint key, or `nil` for a file seen
    ///   for the first time (the hash of its first bytes now).
    init(
        path: String, descriptor: Int32, identity: FileIdentity, keyHeadHash: UInt64?,
        configuration: FileSourceConfiguration, now: ContinuousClock.Instant
    ) {
        self.path = path
        self.descriptor = descriptor
        self.identity = identity
        self.lastDataTime = now
        maximumLineBytes = max(1, configuration.maximumLineBytes)
        let app = configuration.app.flatMap { $0.isEmpty ? nil : $0 }
        eventSource = Batch.Source(kind: "file", path: path, app: app)
        eventIdentity = app ?? path
        assembler = MultilineAssembler(configuration: configuration.multiline)
        let head = Self.readBytes(descriptor, at: 0, count: Self.headCapacity)
        self.head = head
        self.keyHeadHash = keyHeadHash ?? FileContentHash.of(head)
    }

    deinit {
        Glibc.close(descriptor)
        if copyDescriptor >= 0 { Glibc.close(copyDescriptor) }
    }

    /// The size of the file now, or `nil` if `fstat` fails.
    var size: Int64? {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? Int64(status.st_size) : nil
    }

    /// Whether the file has no name left in any directory (`fstat`'s link count is 0).
    var isUnlinked: Bool {
        var status = stat()
        return fstat(descriptor, &status) == 0 && status.st_nlink == 0
    }

    /// Whether anything has been read from the file (a writer has written to it since it was found).
    var hasReadData: Bool { readOffset > 0 }

    /// The checkpoint that covers every event emitted so far.
    var checkpointState: FileCheckpointState {
        let pending = assembler.pendingOffset
        let tailBytes = pending != nil ? tailAtPendingStart : tail.bytes
        return FileCheckpointState(
            identity: identity, keyHeadHash: keyHeadHash, offset: pending ?? consumedOffset,
            headLength: head.count, headHash: FileContentHash.of(head), tailLength: tailBytes.count,
            tailHash: FileContentHash.of(tailBytes), path: path)
    }

    /// When the pending multiline event must be emitted if no line comes first.
    var multilineDeadline: ContinuousClock.Instant? { assembler.deadline }

    // MARK: - Positioning

    /// Continues at `offset`, keeping the bytes before it for the checkpoint; `false` (nothing changed) if
    /// the file no longer has that many bytes.
    @discardableResult
    func start(at offset: Int64) -> Bool {
        let count = Int(min(offset, Int64(Self.tailCapacity)))
        let before = readBytes(at: offset - Int64(count), count: count)
        guard before.count == count else { return false }
        readOffset = offset
        consumedOffset = offset
        tail.removeAll()
        tail.append(before)
        seam.removeAll()
        seam.append(before)
        return true
    }

    /// Continues at the start of the file's last line: an agent starting for the first time reads what is
    /// written from now on, but not half a line. Without a line break in the last `maximumLineBytes` (or
    /// 64 KiB) bytes, it starts at the end, and the rest of that overlong line is read as a line.
    func startAtLastLine() {
        let size = self.size ?? 0
        let window = Int(min(size, Int64(min(maximumLineBytes, 64 * 1024))))
        let bytes = readBytes(at: size - Int64(window), count: window)
        var offset = size
        if let newline = bytes.lastIndex(of: UInt8(ascii: "\n")) {
            offset = size - Int64(window) + Int64(newline) + 1
        } else if size <= Int64(window) {
            offset = 0
        }
        if !start(at: offset) { start(at: 0) }
    }

    /// Whether the file's first `length` bytes hash to `hash`.
    func hasHead(length: Int, hash: UInt64) -> Bool {
        head.count >= length && FileContentHash.of(head[..<length]) == hash
    }

    /// Whether the `length` bytes before `offset` hash to `hash`.
    func hasBytes(before offset: Int64, length: Int, hash: UInt64) -> Bool {
        guard offset >= Int64(length) else { return false }
        let bytes = readBytes(at: offset - Int64(length), count: length)
        return bytes.count == length && FileContentHash.of(bytes) == hash
    }

    // MARK: - Reading

    /// Reads what was appended since the last read, up to the budgets, and emits the events it completes.
    ///
    /// - Parameters:
    ///   - buffer: Scratch space shared by all files, at least 4 KiB.
    ///   - lineBudget: Decremented per line; the read stops after the line that brings it to 0.
    ///   - byteBudget: Decremented per byte; the read stops after the chunk that brings it to 0 or below.
    func read(
        buffer: UnsafeMutableBufferPointer<UInt8>, lineBudget: inout Int, byteBudget: inout Int,
        now: ContinuousClock.Instant, time: WireTimestamp, tally: inout Tally, emit: (LogEvent) -> Void
    ) -> ReadOutcome {
        while true {
            if lineBudget <= 0 || byteBudget <= 0 { return .budgetExhausted }
            let seamCount = seam.count
            let source = copyDescriptor >= 0 ? copyDescriptor : descriptor
            let count = pread(source, buffer.baseAddress, buffer.count, off_t(readOffset - Int64(seamCount)))
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                let advice = "Reading stops at offset \(readOffset) and is retried at the next rescan"
                return .failed(FileSourceError(.readFailed, path: path, errorNumber: code, advice: advice))
            }
            let bytes = UnsafeBufferPointer(rebasing: buffer[..<count])
            if count < seamCount || !seam.equals(UnsafeBufferPointer(rebasing: bytes[..<seamCount])) {
                if copyDescriptor < 0, let copy = openCopy() {
                    copyDescriptor = copy
                } else {
                    restartAfterTruncation(gapCounted: true, now: now, time: time, tally: &tally, emit: emit)
                }
                continue
            }
            guard count > seamCount else {
                if copyDescriptor >= 0 {
                    restartAfterTruncation(gapCounted: false, now: now, time: time, tally: &tally, emit: emit)
                    continue
                }
                atEndOfFile = true
                return .endOfFile
            }
            atEndOfFile = false
            lastDataTime = now
            let data = UnsafeBufferPointer(rebasing: bytes[seamCount...])
            let chunkOffset = readOffset
            let used = consume(data, lineBudget: &lineBudget, now: now, time: time, tally: &tally, emit: emit)
            let usedBytes = UnsafeBufferPointer(rebasing: data[..<used])
            extendHead(usedBytes, at: chunkOffset)
            seam.append(usedBytes)
            readOffset = chunkOffset + Int64(used)
            byteBudget -= used
            if used < data.count { return .budgetExhausted }
            // pread returns less than asked only at the end of a regular file.
            if count < buffer.count, copyDescriptor < 0 {
                atEndOfFile = true
                return .endOfFile
            }
        }
    }

    /// Emits the pending multiline event if it waited long enough for its next line.
    func flushExpired(now: ContinuousClock.Instant, time: WireTimestamp, emit: (LogEvent) -> Void) {
        assembler.flushExpired(now: now) { emit(event($0, time: time)) }
    }

    /// Emits everything still held: the last line even without its line break, and the pending event. For
    /// a file that is about to be closed.
    func finish(time: WireTimestamp, tally: inout Tally, emit: (LogEvent) -> Void) {
        emitPartialLine(truncated: skippingRestOfLine, now: .now, time: time, tally: &tally, emit: emit)
        assembler.flush { emit(event($0, time: time)) }
    }

    /// Splits `data` (the bytes at `readOffset`) into lines; returns how many bytes it used, which is less
    /// than all of them only when the line budget ran out.
    private func consume(
        _ data: UnsafeBufferPointer<UInt8>, lineBudget: inout Int, now: ContinuousClock.Instant,
        time: WireTimestamp, tally: inout Tally, emit: (LogEvent) -> Void
    ) -> Int {
        guard let base = data.baseAddress else { return 0 }
        var position = 0
        while position < data.count {
            guard let found = memchr(base + position, Int32(UInt8(ascii: "\n")), data.count - position) else {
                appendToPartialLine(UnsafeBufferPointer(rebasing: data[position...]))
                return data.count
            }
            let newline = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            let piece = UnsafeBufferPointer(rebasing: data[position..<newline])
            if partialLine.isEmpty && !skippingRestOfLine {
                // The whole line is in this chunk: no copy.
                var length = piece.count
                if length > 0, piece[length - 1] == UInt8(ascii: "\r") { length -= 1 }
                let kept = min(length, maximumLineBytes)
                handleLine(
                    UnsafeBufferPointer(rebasing: piece[..<kept]), truncated: length > kept, now: now, time: time,
                    tally: &tally, emit: emit)
                tail.append(UnsafeBufferPointer(rebasing: data[position...newline]))
            } else {
                appendToPartialLine(piece)
                var length = partialLine.count
                if !skippingRestOfLine, length > 0, partialLine[length - 1] == UInt8(ascii: "\r") { length -= 1 }
                let line = partialLine
                line.withUnsafeBufferPointer {
                    handleLine(
                        UnsafeBufferPointer(rebasing: $0[..<length]), truncated: skippingRestOfLine, now: now,
                        time: time, tally: &tally, emit: emit)
                }
                tail.append(line)
                if skippingRestOfLine { tail.append(skippedTail.bytes) }
                tail.append(UInt8(ascii: "\n"))
                clearPartialLine()
            }
            consumedOffset = readOffset + Int64(newline + 1)
            position = newline + 1
            lineBudget -= 1
            if lineBudget <= 0 { return position }
        }
        return position
    }

    private func appendToPartialLine(_ piece: UnsafeBufferPointer<UInt8>) {
        if skippingRestOfLine {
            skippedTail.append(piece)
            return
        }
        let room = maximumLineBytes - partialLine.count
        if piece.count <= room {
            partialLine.append(contentsOf: piece)
            return
        }
        partialLine.append(contentsOf: UnsafeBufferPointer(rebasing: piece[..<room]))
        skippedTail.append(UnsafeBufferPointer(rebasing: piece[room...]))
        skippingRestOfLine = true
    }

    private func clearPartialLine() {
        // Let a buffer that held one long line go, rather than keep its capacity for the file's lifetime.
        if partialLine.capacity > 4096 { partialLine = [] } else { partialLine.removeAll(keepingCapacity: true) }
        skippingRestOfLine = false
        skippedTail.removeAll()
    }

    /// Hands one complete line to the assembler; `consumedOffset` is still the line's first byte.
    private func handleLine(
        _ line: UnsafeBufferPointer<UInt8>, truncated: Bool, now: ContinuousClock.Instant, time: WireTimestamp,
        tally: inout Tally, emit: (LogEvent) -> Void
    ) {
        tally.linesRead += 1
        let start = consumedOffset
        assembler.append(line, offset: start, truncated: truncated, now: now) { emit(event($0, time: time)) }
        // The line opened the pending event: the checkpoint stays before it, so keep the bytes before it.
        if assembler.pendingOffset == start {
            // Copied into the same storage each time: this runs once per event, often once per line.
            tailAtPendingStart.removeAll(keepingCapacity: true)
            tailAtPendingStart.append(contentsOf: tail.bytes)
        }
    }

    /// Emits the unterminated line being read, if any, as a line of its own.
    private func emitPartialLine(
        truncated: Bool, now: ContinuousClock.Instant, time: WireTimestamp, tally: inout Tally,
        emit: (LogEvent) -> Void
    ) {
        guard !partialLine.isEmpty || skippingRestOfLine else { return }
        let line = partialLine
        line.withUnsafeBufferPointer {
            handleLine($0, truncated: truncated, now: now, time: time, tally: &tally, emit: emit)
        }
        consumedOffset = readOffset
        clearPartialLine()
    }

    /// The file shrank below, or changed before, the read offset (copytruncate, or a writer that truncates
    /// its log), and its old content was read to the end of its copy or could not be found: emit what was read
    /// of the old content, count the gap if there was no copy, and start again at 0.
    private func restartAfterTruncation(
        gapCounted: Bool, now: ContinuousClock.Instant, time: WireTimestamp, tally: inout Tally,
        emit: (LogEvent) -> Void
    ) {
        emitPartialLine(truncated: true, now: now, time: time, tally: &tally, emit: emit)
        assembler.flush { emit(event($0, time: time)) }
        if copyDescriptor >= 0 {
            Glibc.close(copyDescriptor)
            copyDescriptor = -1
        }
        if gapCounted {
            tally.linesLost += 1
            let advice =
                "It became shorter than the \(readOffset) bytes already read, or its bytes before that point "
                + "changed, and no copy of its old content was found next to it; reading restarts at its "
                + "beginning, and lines written between the last read and the truncation are lost"
            tally.problems.append(FileSourceError(.truncated, path: path, advice: advice))
        }
        readOffset = 0
        consumedOffset = 0
        seam.removeAll()
        tail.removeAll()
        tailAtPendingStart = []
        head = []
    }

    /// Opens the sibling that holds the file's old content up to at least `readOffset`: named after the file
    /// (`app.log.1`, `app.log-20240501`), another inode, the same first bytes and the same bytes just before
    /// `readOffset`. `nil` if there is none, or nothing to compare.
    private func openCopy() -> Int32? {
        guard !head.isEmpty, readOffset > 0, let slash = path.lastIndex(of: "/") else { return nil }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let candidate = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard candidate.hasPrefix(name), candidate != name, UInt64(entry.pointee.d_ino) != identity.inode else {
                continue
            }
            let copy = Glibc.open(directory + "/" + candidate, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard copy >= 0 else { continue }
            var status = stat()
            if fstat(copy, &status) == 0, status.st_mode & S_IFMT == S_IFREG, Int64(status.st_size) >= readOffset,
                Self.readBytes(copy, at: 0, count: head.count) == head,
                Self.readBytes(copy, at: readOffset - Int64(seam.count), count: seam.count) == seam.bytes
            {
                return copy
            }
            Glibc.close(copy)
        }
        return nil
    }

    private func extendHead(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int64) {
        guard head.count < Self.headCapacity else { return }
        let headEnd = Int64(head.count)
        guard offset <= headEnd, headEnd < offset + Int64(bytes.count) else { return }
        let from = Int(headEnd - offset)
        let to = min(bytes.count, Self.headCapacity - Int(offset))
        if from < to { head.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<to])) }
    }

    private func event(_ event: MultilineEvent, time: WireTimestamp) -> LogEvent {
        LogEvent(
            message: event.message, time: time, source: eventSource, identity: eventIdentity, severity: nil,
            position: .file(path: path, offset: event.offset), truncated: event.truncated)
    }

    /// Up to `count` bytes at `offset`; fewer at the end of the file or on a read error.
    private func readBytes(at offset: Int64, count: Int) -> [UInt8] {
        Self.readBytes(descriptor, at: offset, count: count)
    }

    private static func readBytes(_ descriptor: Int32, at offset: Int64, count: Int) -> [UInt8] {
        guard count > 0, offset >= 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + filled, count - filled, off_t(offset + Int64(filled)))
            }
            if result < 0, errno == EINTR { continue }
            if result <= 0 { break }
            filled += result
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}
