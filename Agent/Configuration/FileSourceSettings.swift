import FaultlineCore

/// One group of log files to tail: a `[[files]]` section of `agent.toml`.
///
/// ```toml
/// [[files]]
/// paths = ["/var/log/app/*.log"]    # absolute fnmatch(3) globs; required
/// exclude = ["*.gz"]
/// app = "app"                       # the source identity in fingerprints
/// start = "end"                     # end | beginning
/// max_line_bytes = "64KiB"
/// multiline = "auto"                # see MultilineRule
/// ```
public struct FileSourceSettings: Sendable, Hashable {
    /// Where to start reading a file seen for the first time, with no checkpoint.
    public enum Start: String, CaseIterable, Sendable {
        /// At its end: only lines written from now on (the default, so a first start does not replay old logs).
        case end
        /// At its beginning: the whole file.
        case beginning
    }

    /// Absolute paths or `fnmatch(3)` globs of the files to read, such as `/var/log/app/*.log`; never empty.
    public var paths: [String]
    /// Globs of files to leave out: matched against the whole path when they contain a `/`, else against the
    /// file name, so `*.gz` leaves out every compressed file.
    public var exclude: [String] = []
    /// The app label: the source identity that goes into fingerprints and names the source on the collector.
    /// Empty by default, and then ``identity`` is the paths themselves.
    public var app = ""
    /// Where to start in a file seen for the first time.
    public var start = Start.end
    /// The longest line kept; the rest of a longer line is skipped and the event marked truncated.
    public var maximumLineBytes = 64 << 10
    /// How lines are joined into events.
    public var multiline = MultilineRule()

    /// Files at `paths`, with every other setting at its default.
    public init(paths: [String]) {
        self.paths = paths
    }

    /// Reads one `[[files]]` table; `paths` is required (``checkCombination(in:)`` says so), the other keys
    /// are optional.
    init(from table: ConfigurationTable) throws(ConfigurationError) {
        paths = try table.absolutePaths("paths", default: [])
        exclude = try table.stringArray("exclude", default: exclude)
        if exclude.contains(where: \.isEmpty) {
            throw table.invalidValue("exclude", "must not hold an empty pattern")
        }
        app = try table.string("app", default: app)
        if app.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw table.invalidValue("app", "must not contain control characters")
        }
        start = try table.choice("start", default: start)
        maximumLineBytes = try table.byteSize("max_line_bytes", default: maximumLineBytes, minimum: 256)
        multiline = try MultilineRule(from: table)
    }

    /// Throws when `paths` is missing or empty, or the multiline settings do not go together.
    func checkCombination(in table: ConfigurationTable) throws(ConfigurationError) {
        if paths.isEmpty {
            throw table.invalidValue("paths", "must name at least one file or glob, such as [\"/var/log/app/*.log\"]")
        }
        try multiline.checkCombination(in: table)
    }

    /// The source identity for fingerprints: ``app``, or the paths joined by spaces when it is empty.
    public var identity: String {
        app.isEmpty ? paths.joined(separator: " ") : app
    }
}
