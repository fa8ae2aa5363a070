import FaultlineCore

/// What the journald source reads: the `[journald]` section of `agent.toml`.
///
/// ```toml
/// [journald]
/// enabled = true
/// directory = ""                # or files = ["/path/system.journal"]; neither: the local journal
/// units = ["nginx.service"]     # matches, applied inside libsystemd; none: every unit
/// identifiers = ["sshd"]
/// start = "tail"                # head | tail | since:2026-11-21T00:00:00Z
/// max_message_bytes = "64KiB"
/// ```
///
/// The priority threshold is ``DetectionSettings/maximumPriority``, shared with the text detector;
/// ``AgentConfiguration/journalFilter`` combines the two.
public struct JournalSourceSettings: Sendable, Hashable {
    /// Which journal files are read.
    public enum Location: Sendable, Hashable {
        /// This machine's journal: system and user, runtime and persistent.
        case local
        /// The journal files in one directory, such as a copy of `/var/log/journal/<machine-id>`.
        case directory(String)
        /// These journal files and no others.
        case files([String])
    }

    /// Where reading starts when there is no checkpoint (the first start, or after the state was removed).
    public enum Start: Sendable, Hashable {
        /// At the oldest entry still in the journal.
        case head
        /// After the newest entry: only entries written from now on.
        case tail
        /// At the first entry at or after this time.
        case since(WireTimestamp)
    }

    /// Whether the journald source runs.
    public var isEnabled = true
    /// Which journal files are read.
    public var location = Location.local
    /// `_SYSTEMD_UNIT=` values to read, such as `nginx.service`; a name without a unit type suffix gets
    /// `.service`, as with `journalctl -u`. Empty, with ``identifiers`` empty too, reads every source.
    public var units: [String] = []
    /// `SYSLOG_IDENTIFIER=` values to read, such as `sshd`; entries of a listed unit *or* identifier are read.
    public var identifiers: [String] = []
    /// Where reading starts when there is no checkpoint.
    public var start = Start.tail
    /// The longest message kept; longer ones are cut there and marked truncated.
    public var maximumMessageBytes = 64 << 10

    /// The defaults: the local journal, every unit, from the tail.
    public init() {}

    /// Reads the `[journald]` table; every key is optional.
    init(from table: ConfigurationTable) throws(ConfigurationError) {
        isEnabled = try table.bool("enabled", default: isEnabled)
        let directory = try table.absolutePath("directory", default: "", allowsEmpty: true)
        let files = try table.absolutePaths("files", default: [])
        switch (directory.isEmpty, files.isEmpty) {
        case (true, true): location = .local
        case (false, true): location = .directory(directory)
        case (true, false): location = .files(files)
        case (false, false):
            throw table.invalidValue("files", "cannot be combined with 'journald.directory'; choose one of the two")
        }
        units = try table.stringArray("units", default: units).map(Self.unitName)
        if let unit = units.first(where: { !Self.isExactUnitName($0) }) {
            throw table.invalidValue("units", "holds \"\(unit)\": give exact unit names such as \"nginx.service\"")
        }
        identifiers = try table.stringArray("identifiers", default: identifiers)
        if identifiers.contains(where: \.isEmpty) {
            throw table.invalidValue("identifiers", "must not hold an empty identifier")
        }
        let startText = try table.string("start", default: "tail")
        guard let start = Self.start(startText) else {
            let forms = "\"head\", \"tail\" or \"since:\" and an ISO 8601 time such as \"since:2026-11-21T00:00:00Z\""
            throw table.invalidValue("start", "must be \(forms), found \"\(startText)\"")
        }
        self.start = start
        maximumMessageBytes = try table.byteSize("max_message_bytes", default: maximumMessageBytes, minimum: 256)
    }

    /// `head`, `tail` or `since:<ISO 8601>` as a start; `nil` for anything else.
    static func start(_ text: String) -> Start? {
        switch text {
        case "head": return .head
        case "tail": return .tail
        default:
            guard text.hasPrefix("since:"), let time = WireTimestamp(iso8601: String(text.dropFirst(6))) else {
                return nil
            }
            return .since(time)
        }
    }

    /// The unit types systemd knows; a name ending in one of them is complete.
    private static let unitSuffixes = [
        ".service", ".socket", ".device", ".mount", ".automount", ".swap", ".target", ".path", ".timer",
        ".slice", ".scope",
    ]

    /// Whether `name` names one unit: not empty, not a bare suffix, no glob characters (matches are exact).
    private static func isExactUnitName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains(where: { "*?[".contains($0) })
    }

    /// `nginx` as `nginx.service`, as `journalctl -u` does; a name with a unit type suffix stays as it is.
    private static func unitName(_ name: String) -> String {
        if name.isEmpty || unitSuffixes.contains(where: { name.hasSuffix($0) }) {
            return name
        }
        return name + ".service"
    }
}
