/// Syslog severities, as journald's `PRIORITY` numbers them (0 = emerg ... 7 = debug).
public enum Severity: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case emerg = 0
    case alert, crit, err, warning, notice, info, debug

    /// The syslog keyword: `emerg`, `alert`, `crit`, `err`, `warning`, `notice`, `info`, `debug`.
    public var description: String {
        switch self {
        case .emerg: "emerg"
        case .alert: "alert"
        case .crit: "crit"
        case .err: "err"
        case .warning: "warning"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        }
    }

    /// Parses a keyword (`err`, `error`, `warn`, ...) or a number 0–7.
    public init?(keyword: String) {
        switch keyword.lowercased() {
        case "0", "emerg", "emergency", "panic": self = .emerg
        case "1", "alert": self = .alert
        case "2", "crit", "critical": self = .crit
        case "3", "err", "error": self = .err
        case "4", "warning", "warn": self = .warning
        case "5", "notice": self = .notice
        case "6", "info": self = .info
        case "7", "debug": self = .debug
        default: return nil
        }
    }

    /// More urgent first: `emerg < err`.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }
}
