import FaultlineCore

/// What counts as an error: the `[detection]` section of `agent.toml`.
///
/// ```toml
/// [detection]
/// max_priority = "err"          # journald PRIORITY threshold and the text detector's maximum severity
/// extra_markers = ["OutOfMemoryError"]
///
/// [detection.extra_level_words]  # or extra_level_words = { OOPS = "err" }
/// OOPS = "err"
/// ```
///
/// The extra words and markers are added to the detector's built-in ones (`ERROR`, `FATAL`, `Traceback
/// (most recent call last)`, ...); a word already built in takes the severity given here.
public struct DetectionSettings: Sendable, Hashable {
    /// The least urgent severity reported: journald entries with a higher `PRIORITY` number, and text lines
    /// whose level is less urgent, are not errors. `err` by default; `warning` includes warnings.
    public var maximumPriority = Severity.err
    /// Level words to recognise besides the built-in ones, each with its severity; at least three letters,
    /// digits or `_`, matched like the built-in words (in capitals anywhere, in any case where a level stands).
    public var extraLevelWords: [String: Severity] = [:]
    /// Exact, case-sensitive substrings that mark a line as an error wherever they appear.
    public var extraMarkers: [String] = []

    /// The defaults: `err` and the built-in words and markers only.
    public init() {}

    /// Reads the `[detection]` table; every key is optional.
    init(from table: ConfigurationTable) throws(ConfigurationError) {
        maximumPriority = try table.severity("max_priority", default: maximumPriority)
        let words = try table.table("extra_level_words")
        for word in words.keys {
            let severity = try words.severity(word, default: .err)
            guard word.utf8.count >= 3, word.utf8.allSatisfy(Self.isWordByte) else {
                throw words.invalidValue(word, "is not a level word: it needs three or more letters, digits or _")
            }
            extraLevelWords[word.uppercased()] = severity
        }
        extraMarkers = try table.stringArray("extra_markers", default: extraMarkers)
        if extraMarkers.contains(where: \.isEmpty) {
            throw table.invalidValue("extra_markers", "must not hold an empty string, which every line contains")
        }
    }

    /// The bytes the detector counts as part of a word: ASCII letters and digits, `_`, and any non-ASCII byte.
    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), 0x80...:
            true
        default:
            false
        }
    }

    /// The detector configuration: the built-in words and markers with these added.
    public var detectorConfiguration: ErrorDetector.Configuration {
        var configuration = ErrorDetector.Configuration()
        configuration.levelWords.merge(extraLevelWords) { _, extra in extra }
        configuration.markers += extraMarkers.filter { !configuration.markers.contains($0) }
        configuration.maximumSeverity = maximumPriority
        return configuration
    }
}
