import FaultlineCore

/// How a file source joins consecutive lines into one event, such as a stack trace: the `multiline*` keys
/// of a `[[files]]` section.
///
/// ```toml
/// multiline = "custom"                          # auto | none | custom
/// multiline_start = "[0-9][0-9][0-9][0-9]-*"    # custom only: a line matching this starts an event
/// multiline_max_lines = 500
/// multiline_timeout = "2s"
/// ```
///
/// An event ends when the next one starts, when it reaches ``maximumLines``, or when no line has followed it
/// for ``timeout`` (the last event of a quiet file is not held back forever).
public struct MultilineRule: Sendable, Hashable {
    /// How the start of an event is recognised.
    public enum Kind: Sendable, Hashable {
        /// Java (`at ...`, `Caused by:`, `... N more`), Python tracebacks and Go panics are joined to the line
        /// before them; every other line is an event of its own.
        case automatic
        /// Every line is an event of its own (`multiline = "none"`).
        case singleLine
        /// A line matching the `fnmatch(3)` pattern (without flags, against the whole line) starts an event;
        /// other lines continue the current one. `*` matches any text, `/` included, so a pattern for the
        /// start of a line ends with `*`.
        case startPattern(String)
    }

    /// The value of the `multiline` key.
    enum Mode: String, CaseIterable, Sendable {
        case auto, none, custom
    }

    /// How events start; ``Kind/automatic`` by default.
    public var kind = Kind.automatic
    /// The most lines one event holds; the next line starts a new event.
    public var maximumLines = 500
    /// How long an unfinished event waits for its next line before it is handed on.
    public var timeout = Duration.seconds(2)

    /// The defaults: automatic, 500 lines, 2 seconds.
    public init() {}

    /// Reads the `multiline*` keys of a `[[files]]` table; every key is optional. Settings that only make
    /// sense together are checked by ``checkCombination(in:)``, once unknown keys (likelier typos) are ruled out.
    init(from table: ConfigurationTable) throws(ConfigurationError) {
        let mode = try table.choice("multiline", default: Mode.auto)
        let startPattern = try table.string("multiline_start")
        switch mode {
        case .auto: kind = .automatic
        case .none: kind = .singleLine
        case .custom: kind = .startPattern(startPattern ?? "")
        }
        maximumLines = try table.integer("multiline_max_lines", default: maximumLines, in: 1...100_000)
        timeout = try table.positiveDuration("multiline_timeout", default: timeout)
    }

    /// Throws when `multiline = "custom"` lacks its `multiline_start`, or another mode has one.
    func checkCombination(in table: ConfigurationTable) throws(ConfigurationError) {
        switch kind {
        case .startPattern(let pattern) where pattern.isEmpty:
            let key = table.contains("multiline_start") ? "multiline_start" : "multiline"
            throw table.invalidValue(key, "needs a pattern: multiline = \"custom\" takes multiline_start = \"...\"")
        case .automatic where table.contains("multiline_start"), .singleLine where table.contains("multiline_start"):
            throw table.invalidValue("multiline_start", "is only used with multiline = \"custom\"")
        default:
            break
        }
    }
}
