import FaultlineCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The engine of `faultline-agent scan`: detection, fingerprinting and grouping over a stream of lines.
///
/// Feed it lines with ``consume(_:)``, then read ``groups()`` (most frequent first) or ``lineRecords()``
/// (one per signed line, in input order, with the group the whole input put it in).
///
/// Lines may be plain log lines or `journalctl -o json` output, mixed freely. A journal entry is detected
/// by its `PRIORITY` (against the detector's maximum severity; by its message text when it has none), signed
/// by its `MESSAGE`, and takes its unit, syslog identifier or command as its source unless
/// ``Options/source`` is set.
public struct Scanner {
    /// What to sign and how to name its source.
    public struct Options: Sendable {
        /// Sign every line, not only those detected as errors.
        public var signAllLines: Bool
        /// The source identity used in fingerprints; when empty, a journal entry's unit, syslog identifier or
        /// command is used instead (plain lines then have the empty source).
        public var source: String
        /// How errors are recognised.
        public var detector: ErrorDetector.Configuration

        /// Creates options.
        public init(signAllLines: Bool = false, source: String = "", detector: ErrorDetector.Configuration = .init()) {
            self.signAllLines = signAllLines
            self.source = source
            self.detector = detector
        }
    }

    /// One error group found by a scan.
    public struct Group: Sendable {
        /// The group's id.
        public var id: GroupID
        /// How many lines it covers.
        public var count: Int
        /// Its fingerprints, most frequent first.
        public var fingerprints: [Fingerprint]
        /// The group's template.
        public var template: String
        /// The first line that fell in it.
        public var sample: String
        /// The most urgent severity seen in it, `nil` when lines were signed with `--all` only.
        public var severity: Severity?
        /// The source identity its lines were signed with (fingerprints of different sources never share a group).
        public var source: String
    }

    /// One signed input line.
    public struct LineRecord: Sendable {
        /// 1-based line number in the input.
        public var line: Int
        /// The line's fingerprint.
        public var fingerprint: Fingerprint
        /// Its final group.
        public var group: GroupID
        /// Its template.
        public var template: String
    }

    private struct Tally {
        var template: String
        var count: Int
        var sample: String
        var severity: Severity?
        var order: Int
        var source: String
    }

    private let options: Options
    private let fingerprinter = Fingerprinter()
    private let detector: ErrorDetector
    private var tallies: [Fingerprint: Tally] = [:]
    private var signedLines: [(line: Int, fingerprint: Fingerprint)] = []
    private var lineNumber = 0
    private var grouping = GroupingStage()
    private var grouped = false

    /// Creates a scanner.
    public init(options: Options) {
        self.options = options
        self.detector = ErrorDetector(configuration: options.detector)
    }

    /// Reads and consumes every line of a file, or of standard input when `path` is `nil`.
    public mutating func consume(path: String?) throws {
        let descriptor: Int32
        if let path {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw ScanError.openFailed(path: path, errno: errno) }
        } else {
            descriptor = STDIN_FILENO
        }
        defer { if path != nil { close(descriptor) } }
        var reader = LineReader(descriptor: descriptor)
        try reader.forEachLine { line, _ in consume(line) }
    }

    /// Consumes one line (without its line break): a plain log line, or one line of `journalctl -o json`.
    public mutating func consume(_ line: UnsafeBufferPointer<UInt8>) {
        lineNumber += 1
        // Only a line that opens a JSON object can be a journal entry; plain lines never reach the parser.
        if line.first == UInt8(ascii: "{"), let entry = JournalJSONEntry(parsing: line) {
            consume(entry)
        } else {
            consumePlainLine(line)
        }
    }

    /// Where plain lines enter, one at a time.
    ///
    /// Multiline assembly of plain lines (stack traces) belongs here: lines go to the assembler, and each event
    /// it completes is detected and recorded as one; a journal entry, which is always whole, should first
    /// complete the event being assembled, and the end of the input should flush it.
    private mutating func consumePlainLine(_ line: UnsafeBufferPointer<UInt8>) {
        let severity = detector.detect(line)
        guard options.signAllLines || severity != nil else { return }
        record(line, severity: severity, source: options.source)
    }

    /// Detects a journal entry by its priority and records its message.
    private mutating func consume(_ entry: JournalJSONEntry) {
        let message = entry.message ?? Self.messageLeftOut
        message.withUnsafeBufferPointer { message in
            let severity: Severity?
            if let priority = entry.priority {
                severity = detector.isError(priority: priority) ? Severity(rawValue: priority) : nil
            } else {
                severity = detector.detect(message)
            }
            guard options.signAllLines || severity != nil else { return }
            record(message, severity: severity, source: options.source.isEmpty ? entry.sourceIdentity : options.source)
        }
    }

    /// What stands for a message that journalctl printed as `null` (over 4096 bytes, without `--all`), so that
    /// the error still shows, with the cure.
    private static let messageLeftOut = Array("message left out by journalctl: over 4096 bytes; run it with --all".utf8)

    /// Signs a detected message and counts it in its fingerprint's tally.
    private mutating func record(_ message: UnsafeBufferPointer<UInt8>, severity: Severity?, source: String) {
        let signature = fingerprinter.sign(message, source: source)
        signedLines.append((lineNumber, signature.fingerprint))
        if var tally = tallies[signature.fingerprint] {
            tally.count += 1
            if let severity, tally.severity.map({ severity < $0 }) ?? true { tally.severity = severity }
            tallies[signature.fingerprint] = tally
        } else {
            tallies[signature.fingerprint] = Tally(
                template: signature.template,
                count: 1,
                sample: String(decoding: message, as: UTF8.self),
                severity: severity,
                order: tallies.count,
                source: source
            )
        }
        grouped = false
    }

    /// The groups, most frequent first (ties by first appearance).
    public mutating func groups() -> [Group] {
        groupIfNeeded()
        var groups: [GroupID: Group] = [:]
        var firstOrder: [GroupID: Int] = [:]
        for (fingerprint, tally) in tallies.sorted(by: { $0.value.order < $1.value.order }) {
            let id = grouping.group(of: fingerprint)!
            if groups[id] == nil {
                groups[id] = Group(
                    id: id, count: 0, fingerprints: [], template: grouping.template(of: id) ?? tally.template,
                    sample: tally.sample, severity: nil, source: tally.source
                )
                firstOrder[id] = tally.order
            }
            groups[id]!.count += tally.count
            groups[id]!.fingerprints.append(fingerprint)
            if let severity = tally.severity, groups[id]!.severity.map({ severity < $0 }) ?? true {
                groups[id]!.severity = severity
            }
        }
        for id in groups.keys {
            groups[id]!.fingerprints.sort { tallies[$0]!.count > tallies[$1]!.count }
        }
        return groups.values.sorted { ($0.count, firstOrder[$1.id]!) > ($1.count, firstOrder[$0.id]!) }
    }

    /// One record per signed line, in input order, with the group after the whole input was seen.
    public mutating func lineRecords() -> [LineRecord] {
        groupIfNeeded()
        return signedLines.map { entry in
            LineRecord(
                line: entry.line, fingerprint: entry.fingerprint, group: grouping.group(of: entry.fingerprint)!,
                template: tallies[entry.fingerprint]!.template
            )
        }
    }

    private mutating func groupIfNeeded() {
        guard !grouped else { return }
        let entries = tallies.sorted { $0.value.order < $1.value.order }.map {
            GroupingStage.Entry(fingerprint: $0.key, template: $0.value.template, source: $0.value.source)
        }
        grouping.add(entries)
        grouped = true
    }
}
