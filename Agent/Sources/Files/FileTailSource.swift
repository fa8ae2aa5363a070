import FaultlineCore
import Glibc

/// Tails the files that a set of globs matches, and turns their lines into ``LogEvent``s: nothing lost on
/// rotation, nothing repeated after a restart, bounded memory whatever the files hold.
///
/// Use it from one thread, the agent's poll loop:
///
/// ```swift
/// let files = try FileTailSource(configuration: configuration, checkpoints: spool.checkpoints())
/// var descriptors = [pollfd(fd: files.pollDescriptor, events: Int16(POLLIN), revents: 0)]
/// while running {
///     let now = ContinuousClock.now
///     files.rescanIfDue(now: now)
///     while try files.read(maximumEvents: 1000, now: now, emit: pipeline.handle) {}
///     files.flushPendingMultiline(now: now, emit: pipeline.handle)
///     for problem in files.takeProblems() { logger.warning("\(problem)") }
///     spool.commit(batch, checkpoints: files.checkpoints())
///     poll(&descriptors, 1, timeout(until: files.nextDeadline))
/// }
/// ```
///
/// **Identity.** A file is its device and inode, plus a hash of its first bytes (up to 256) so that an inode
/// reused by another file after a restart is not mistaken for the old one. A file that the globs match under
/// a new name (renamed within the pattern) is the same file and is not read again.
///
/// **Watching.** The directories of the globs are watched for names (`IN_CREATE`, `IN_MOVED_TO`,
/// `IN_MOVED_FROM`, `IN_DELETE`), and each open file is watched by its inode for content (`IN_MODIFY`,
/// `IN_ATTRIB`, `IN_MOVE_SELF`, `IN_DELETE_SELF`). Watching the inode rather than relying on a directory's
/// `IN_MODIFY` keeps appends visible after the file is renamed away or deleted while its writer still writes
/// to it, and keeps writes to unrelated files in the same directory from waking the agent. The globs are
/// expanded again every ``FileSourceConfiguration/rescanInterval`` in case inotify missed something; there is
/// no other polling.
///
/// **Rotation.** A file renamed away (`app.log` → `app.log.1`) or deleted keeps being read; the new file at
/// the old name is read from its beginning. The old one is closed once it has been read to its end, has not
/// grown for ``FileSourceConfiguration/rotatedFileGracePeriod``, and its writer has moved on: the new file
/// has received lines, or the old one was deleted. A writer that never reopens its log (no signal after the
/// rename) thus keeps being followed into the renamed file instead of losing what it writes. A file that becomes
/// shorter than what was read, or whose bytes before the read position change (copytruncate), is read again
/// from its beginning; what it held beyond the read position is first read from the copy copytruncate left
/// next to it (a file named after it with the same first bytes and the same bytes before that position), and
/// only when there is no such copy is the gap counted in ``linesLost``. Lines written between logrotate's copy
/// and its truncation are in neither file; no tailer can see them.
///
/// **Lines.** Lines end at `\n` (a `\r` before it is dropped). A line longer than
/// ``FileSourceConfiguration/maximumLineBytes`` keeps its beginning and is marked truncated; the rest is
/// skipped without being held in memory. A last line without its `\n` waits for it, and is emitted as it is
/// only when a rotated or deleted file is closed. Lines are grouped into events by a ``MultilineAssembler``.
///
/// **Checkpoints.** ``checkpoints()`` gives, per file, the offset of the first byte not yet emitted in a
/// complete event, with hashes of the file's first bytes and of the bytes just before the offset, plus one
/// marker row that tells a restart from a first start. On start, each checkpointed file is looked for by its
/// inode among the glob matches and in the same directories (a rotation may have renamed it); if its bytes
/// before the offset no longer match (truncated or replaced while the agent was stopped) it is read from its
/// beginning, and if it is gone, it is counted once in ``linesLost``.
public final class FileTailSource {
    /// The configuration the source was built with.
    public let configuration: FileSourceConfiguration
    /// Lines read since the source was created, blank ones included.
    public private(set) var linesRead = 0
    /// Losses detected since the source was created: each truncation whose old content could not be found in
    /// a copy, and each checkpointed file found gone or rewritten on start, counts once, since how many lines
    /// were lost is not known.
    public private(set) var linesLost = 0

    private static let directoryEvents = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)
    private static let directoryMask = directoryEvents | UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
    private static let fileMask = UInt32(IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
    /// Bytes read per file per `pread`.
    private static let chunkSize = 64 * 1024
    /// Bytes read per ``read(maximumEvents:now:emit:)`` call, so that one call stays short.
    private static let byteBudgetPerRead = 4 * 1024 * 1024
    private static let maximumQueuedProblems = 100

    private let globs: [PathGlob]
    private let markerKey: String
    private let watcher: InotifyWatcher
    private let buffer: UnsafeMutableBufferPointer<UInt8>

    private var files: [TailedFile] = []
    private var fileByIdentity: [FileIdentity: TailedFile] = [:]
    private var fileByWatch: [Int32: TailedFile] = [:]
    private var directoryWatches: [String: Int32] = [:]
    private var directoryByWatch: [Int32: String] = [:]
    private var rescanRequested = false
    private var lastRescan: ContinuousClock.Instant
    /// Where the next read starts going round the files, so that one busy file cannot starve the others.
    private var nextFileIndex = 0
    private var problems: [FileSourceError] = []
    /// Paths whose open failure was already reported, so that a rescan does not repeat it every time.
    private var reportedFailures: Set<String> = []

    /// Creates the source, finds the files, and positions each one: at its checkpoint, at its end (first
    /// start), or at its beginning.
    ///
    /// - Parameters:
    ///   - configuration: The globs and limits.
    ///   - checkpoints: The saved checkpoints; those that ``owns(_:)`` rejects are ignored, so passing every
    ///     checkpoint of the agent is fine.
    ///   - now: The caller's clock.
    /// - Throws: ``FileSourceError`` of kind ``FileSourceError/Kind/invalidConfiguration`` for a glob that is
    ///   not an absolute path or a limit below 1, or ``FileSourceError/Kind/watchFailed`` if inotify cannot be
    ///   set up.
    public init(
        configuration: FileSourceConfiguration, checkpoints: [SourceCheckpoint],
        now: ContinuousClock.Instant = .now
    ) throws(FileSourceError) {
        self.configuration = configuration
        globs = try Self.validate(configuration)
        markerKey = Self.markerKey(for: configuration)
        watcher = try InotifyWatcher()
        buffer = .allocate(capacity: Self.chunkSize + TailedFile.seamCapacity)
        lastRescan = now

        refreshDirectoryWatches()
        let isRestart = checkpoints.contains { $0.key == markerKey }
        let states = checkpoints.filter(owns).compactMap(FileCheckpointState.init)
        let matches = currentMatches()
        // Two checkpoints of one inode mean a reused inode and a row the spool kept: the furthest is tried
        // first, and the first whose bytes match is resumed.
        for state in states.sorted(by: { $0.offset > $1.offset }) where fileByIdentity[state.identity] == nil {
            resume(state, matches: matches, now: now)
        }
        for match in matches where fileByIdentity[match.identity] == nil {
            let fromEnd = !isRestart && !configuration.readFromBeginning
            track(match.path, now: now) { file in
                if fromEnd { file.startAtLastLine() }
                return true
            }
        }
    }

    deinit {
        files.removeAll()
        buffer.deallocate()
    }

    /// The inotify descriptor to add to the caller's `poll` set (readable means: call
    /// ``read(maximumEvents:now:emit:)``). It stays open as long as the source exists.
    public var pollDescriptor: Int32 { watcher.descriptor }

    /// How many files are open: those the globs match, plus rotated or deleted ones not yet fully read.
    public var openFileCount: Int { files.count }

    /// The earliest time at which ``flushPendingMultiline(now:emit:)`` or ``rescanIfDue(now:)`` has work to
    /// do; use it to bound the poll timeout.
    public var nextDeadline: ContinuousClock.Instant {
        var deadline = lastRescan + configuration.rescanInterval
        let successors = pathsWithNewFiles()
        for file in files {
            if let multiline = file.multilineDeadline { deadline = min(deadline, multiline) }
            if let closing = closingTime(of: file, successors: successors) { deadline = min(deadline, closing) }
        }
        return deadline
    }

    /// Whether `checkpoint` belongs to this source: its marker row, or a file checkpoint whose path the globs
    /// match (and the exclusions do not). Give the spool's rows for which this is false to other sources.
    public func owns(_ checkpoint: SourceCheckpoint) -> Bool {
        if checkpoint.key == markerKey { return true }
        guard checkpoint.key.hasPrefix(FileCheckpointState.keyPrefix),
            let state = FileCheckpointState(checkpoint)
        else { return false }
        return isIncluded(state.path)
    }

    /// Reads what the files gained since the last call and emits the events that became complete.
    ///
    /// Drains the inotify descriptor first, then rescans if a directory changed, then reads each file that
    /// changed from where it stopped, without waiting: the call never blocks on an empty file.
    ///
    /// - Parameters:
    ///   - maximumEvents: The budget: at most this many lines are read (so at most this many events are
    ///     emitted), and at most 4 MiB, before the call returns.
    ///   - now: The caller's clock, for the multiline wait and rotated files' grace period.
    ///   - emit: Called with each event, in file order per file.
    /// - Returns: `true` when the budget ran out with more to read: call again before polling.
    /// - Throws: ``FileSourceError`` of kind ``FileSourceError/Kind/watchFailed`` if the inotify descriptor
    ///   cannot be read. Failures of single files are not thrown but queued for ``takeProblems()``.
    public func read(
        maximumEvents: Int, now: ContinuousClock.Instant = .now, emit: (LogEvent) -> Void
    ) throws(FileSourceError) -> Bool {
        try drainWatchEvents()
        if rescanRequested { rescan(now: now) }
        guard !files.isEmpty else { return false }
        var lineBudget = max(1, maximumEvents)
        var byteBudget = Self.byteBudgetPerRead
        let time = WireTimestamp.now()
        var tally = TailedFile.Tally()
        defer { record(tally) }
        let count = files.count
        for step in 0..<count {
            let index = (nextFileIndex + step) % count
            let file = files[index]
            guard file.needsRead else { continue }
            let outcome = file.read(
                buffer: buffer, lineBudget: &lineBudget, byteBudget: &byteBudget, now: now, time: time,
                tally: &tally, emit: emit)
            switch outcome {
            case .endOfFile:
                file.needsRead = false
            case .budgetExhausted:
                nextFileIndex = (index + 1) % count
                return true
            case .failed(let error):
                file.needsRead = false
                tally.problems.append(error)
            }
        }
        return false
    }

    /// Expands the globs again if ``FileSourceConfiguration/rescanInterval`` has passed since the last time:
    /// picks up new files, notices renamed and deleted ones, and marks every file to be read again (the next
    /// ``read(maximumEvents:now:emit:)`` catches up on anything inotify missed).
    public func rescanIfDue(now: ContinuousClock.Instant) {
        if now >= lastRescan + configuration.rescanInterval { rescan(now: now) }
    }

    /// Emits the multiline events whose wait for a next line has expired, and closes the rotated or deleted
    /// files that have been read to their end and stayed unchanged for the grace period (emitting their last
    /// line even without its line break). Call it on every tick of the poll loop.
    public func flushPendingMultiline(now: ContinuousClock.Instant, emit: (LogEvent) -> Void) {
        let time = WireTimestamp.now()
        var tally = TailedFile.Tally()
        defer { record(tally) }
        var finished: [TailedFile] = []
        let successors = pathsWithNewFiles()
        for file in files {
            file.flushExpired(now: now, time: time, emit: emit)
            if file.atEndOfFile, !file.needsRead, let closing = closingTime(of: file, successors: successors),
                now >= closing
            {
                file.finish(time: time, tally: &tally, emit: emit)
                finished.append(file)
            }
        }
        for file in finished { untrack(file) }
    }

    /// When a renamed or deleted file may be closed, if nothing new arrives; `nil` while its writer may still
    /// write to it (it is not deleted and nothing was written to a new file at its name).
    private func closingTime(of file: TailedFile, successors: Set<String>) -> ContinuousClock.Instant? {
        guard let detached = file.detachedSince, file.isDeleted || successors.contains(file.path) else {
            return nil
        }
        return max(detached, file.lastDataTime) + configuration.rotatedFileGracePeriod
    }

    /// The paths at which a file the globs match has received lines since it was found.
    private func pathsWithNewFiles() -> Set<String> {
        var paths: Set<String> = []
        for file in files where file.detachedSince == nil && file.hasReadData { paths.insert(file.path) }
        return paths
    }

    /// The position of every open file, plus this source's marker row. Save them in the same transaction as
    /// the events emitted so far; the set is complete, so rows of this source that it no longer contains
    /// (files closed after rotation) can be deleted.
    public func checkpoints() -> [SourceCheckpoint] {
        [SourceCheckpoint(key: markerKey, state: "1")] + files.map(\.checkpointState.checkpoint)
    }

    /// The problems met since the last call (files that could not be opened or read, truncations, files lost
    /// while the agent was stopped), oldest first, for the caller to log. At most the last 100 are kept.
    public func takeProblems() -> [FileSourceError] {
        defer { problems.removeAll() }
        return problems
    }

    // MARK: - Start

    private static func validate(_ configuration: FileSourceConfiguration) throws(FileSourceError) -> [PathGlob] {
        func invalid(_ path: String, _ advice: String) -> FileSourceError {
            FileSourceError(.invalidConfiguration, path: path, advice: advice)
        }
        guard !configuration.globs.isEmpty else { throw invalid("globs", "give at least one glob to tail") }
        var globs: [PathGlob] = []
        for pattern in configuration.globs {
            guard let glob = PathGlob(pattern) else {
                throw invalid(pattern, "a glob must be an absolute path to files, such as /var/log/app/*.log")
            }
            globs.append(glob)
        }
        guard configuration.maximumLineBytes >= 1 else {
            throw invalid("maximum line bytes", "must be at least 1, got \(configuration.maximumLineBytes)")
        }
        guard configuration.rescanInterval > .zero else {
            throw invalid("rescan interval", "must be positive, got \(configuration.rescanInterval)")
        }
        return globs
    }

    /// `files:<hash of the sorted globs>`: present in the spool once this set of globs has run, so that a
    /// restart reads files without a checkpoint (created while stopped) from their beginning.
    private static func markerKey(for configuration: FileSourceConfiguration) -> String {
        let globs = configuration.globs.sorted().joined(separator: "\n")
        return "files:" + FileContentHash.hex(FileContentHash.of(globs.utf8))
    }

    /// Finds the checkpointed file by its inode and continues where the checkpoint says, if its bytes agree.
    private func resume(_ state: FileCheckpointState, matches: [Match], now: ContinuousClock.Instant) {
        let match = matches.first { $0.identity == state.identity }
        guard let location = match?.path ?? findInDirectories(state.identity, near: state.path) else {
            lostOnStart(.fileMissing, state, "it was not found by its inode next to its last name")
            return
        }
        track(location, as: state.path, keyHeadHash: state.keyHeadHash, now: now) { file in
            guard file.identity == state.identity else {
                lostOnStart(.fileMissing, state, "it was not found by its inode next to its last name")
                return false
            }
            guard file.hasHead(length: state.headLength, hash: state.headHash) else {
                // Another file took the inode. Not kept here: if the globs match it, it is read as a new file.
                lostOnStart(.fileReplaced, state, "its inode now holds a file with other first bytes")
                return false
            }
            if match == nil {
                file.detachedSince = now
                file.isDeleted = file.isUnlinked
            }
            if !file.hasBytes(before: state.offset, length: state.tailLength, hash: state.tailHash)
                || !file.start(at: state.offset)
            {
                lostOnStart(.truncated, state, "it was truncated or rewritten; reading restarts at its beginning")
            }
            return true
        }
    }

    private func lostOnStart(_ kind: FileSourceError.Kind, _ state: FileCheckpointState, _ what: String) {
        linesLost += 1
        let advice =
            "While the agent was stopped, \(what); what the file held after offset \(state.offset) is lost"
        report(FileSourceError(kind, path: state.path, advice: advice))
    }

    /// Looks for a regular file with this identity in the directory of `path` and in the watched
    /// directories: where rotation by rename puts a file (`app.log.1`, `app.log-20240501`).
    private func findInDirectories(_ identity: FileIdentity, near path: String) -> String? {
        var directories = [Self.directory(of: path)]
        for directory in directoryWatches.keys.sorted() where !directories.contains(directory) {
            directories.append(directory)
        }
        for directory in directories {
            guard let handle = opendir(directory) else { continue }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                guard UInt64(entry.pointee.d_ino) == identity.inode else { continue }
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                let candidate = directory == "/" ? "/" + name : directory + "/" + name
                var status = stat()
                if stat(candidate, &status) == 0, UInt64(status.st_dev) == identity.device,
                    UInt64(status.st_ino) == identity.inode, status.st_mode & S_IFMT == S_IFREG
                {
                    return candidate
                }
            }
        }
        return nil
    }

    // MARK: - Tracking

    private struct Match {
        var path: String
        var identity: FileIdentity
    }

    /// The regular files the globs match now, minus the exclusions, each identity once, in glob order.
    private func currentMatches() -> [Match] {
        var matches: [Match] = []
        var seen: Set<FileIdentity> = []
        for glob in globs {
            for path in glob.expand() where !isExcluded(path) {
                var status = stat()
                guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
                let identity = FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
                if seen.insert(identity).inserted { matches.append(Match(path: path, identity: identity)) }
            }
        }
        return matches
    }

    private func isIncluded(_ path: String) -> Bool {
        globs.contains { $0.matches(path: path) } && !isExcluded(path)
    }

    private func isExcluded(_ path: String) -> Bool {
        configuration.excludeGlobs.contains { PathGlob.excludes($0, path: path) }
    }

    /// Opens `path`, lets `position` place it (or reject it by returning `false`), watches its inode, and
    /// adds it; a file whose identity is already tracked (renamed within the globs, or a second link) is left
    /// alone.
    private func track(
        _ path: String, as logicalPath: String? = nil, keyHeadHash: UInt64? = nil, now: ContinuousClock.Instant,
        position: (TailedFile) -> Bool = { _ in true }
    ) {
        let opened: (descriptor: Int32, identity: FileIdentity)?
        do {
            opened = try TailedFile.open(path)
        } catch {
            if reportedFailures.insert(path).inserted { report(error) }
            return
        }
        reportedFailures.remove(path)
        guard let opened else { return }
        guard fileByIdentity[opened.identity] == nil else {
            close(opened.descriptor)
            return
        }
        let file = TailedFile(
            path: logicalPath ?? path, descriptor: opened.descriptor, identity: opened.identity,
            keyHeadHash: keyHeadHash, configuration: configuration, now: now)
        guard position(file) else { return }
        // Watch before the first read, so that nothing appended after that read goes unnoticed. The
        // descriptor's /proc link names exactly the inode that was opened, even if the path was replaced since.
        var watch = watcher.addWatch("/proc/self/fd/\(opened.descriptor)", mask: Self.fileMask)
        if watch < 0 { watch = watcher.addWatch(path, mask: Self.fileMask) }
        if watch >= 0 {
            file.watch = watch
            fileByWatch[watch] = file
        } else if reportedFailures.insert("watch:" + path).inserted {
            let advice =
                "Appends are only noticed at each rescan; raise fs.inotify.max_user_watches if it is reached"
            report(FileSourceError(.watchFailed, path: path, errorNumber: -watch, advice: advice))
        }
        files.append(file)
        fileByIdentity[file.identity] = file
    }

    private func untrack(_ file: TailedFile) {
        if file.watch >= 0 {
            watcher.removeWatch(file.watch)
            fileByWatch[file.watch] = nil
        }
        fileByIdentity[file.identity] = nil
        files.removeAll { $0 === file }
        nextFileIndex = 0
    }

    /// Expands the globs: new files are read from their beginning, files no longer matched start their grace
    /// period, and every file is read again.
    private func rescan(now: ContinuousClock.Instant) {
        rescanRequested = false
        lastRescan = now
        refreshDirectoryWatches()
        var matched: Set<FileIdentity> = []
        for match in currentMatches() {
            matched.insert(match.identity)
            if let file = fileByIdentity[match.identity] {
                file.detachedSince = nil
            } else {
                track(match.path, now: now)
            }
        }
        for file in files {
            file.needsRead = true
            guard !matched.contains(file.identity) else { continue }
            if file.detachedSince == nil { file.detachedSince = now }
            file.isDeleted = file.isUnlinked
        }
    }

    private func refreshDirectoryWatches() {
        var wanted: Set<String> = []
        for glob in globs { wanted.formUnion(glob.directories()) }
        for directory in wanted.sorted() where directoryWatches[directory] == nil {
            let watch = watcher.addWatch(directory, mask: Self.directoryMask)
            if watch >= 0 {
                directoryWatches[directory] = watch
                directoryByWatch[watch] = directory
                reportedFailures.remove("watch:" + directory)
            } else if reportedFailures.insert("watch:" + directory).inserted {
                let advice =
                    "New and rotated files there are only noticed at each rescan; raise "
                    + "fs.inotify.max_user_watches if it is reached"
                report(FileSourceError(.watchFailed, path: directory, errorNumber: -watch, advice: advice))
            }
        }
        for (directory, watch) in directoryWatches where !wanted.contains(directory) {
            watcher.removeWatch(watch)
            directoryWatches[directory] = nil
            directoryByWatch[watch] = nil
        }
    }

    private func drainWatchEvents() throws(FileSourceError) {
        try watcher.drain { event in
            if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                // Events were dropped: look at everything.
                rescanRequested = true
                return
            }
            if let file = fileByWatch[event.watch] {
                file.needsRead = true
                if event.mask & UInt32(IN_IGNORED) != 0 {
                    fileByWatch[event.watch] = nil
                    file.watch = -1
                }
                if event.mask & UInt32(IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF) != 0 { rescanRequested = true }
            } else if let directory = directoryByWatch[event.watch] {
                if event.mask & UInt32(IN_IGNORED) != 0 {
                    directoryWatches[directory] = nil
                    directoryByWatch[event.watch] = nil
                    rescanRequested = true
                } else if event.mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                    rescanRequested = true
                } else if let name = event.name, globs.contains(where: { $0.matches(name: name) }) {
                    rescanRequested = true
                }
            }
        }
    }

    // MARK: - Bookkeeping

    private func record(_ tally: TailedFile.Tally) {
        linesRead += tally.linesRead
        linesLost += tally.linesLost
        for problem in tally.problems { report(problem) }
    }

    private func report(_ problem: FileSourceError) {
        if problems.count == Self.maximumQueuedProblems { problems.removeFirst() }
        problems.append(problem)
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
