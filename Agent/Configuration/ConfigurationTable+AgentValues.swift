import FaultlineCore

/// The checked values the agent's settings share: positive durations and sizes, absolute paths, severities.
///
/// Each reads its key like the plain accessors (marking it known, recording it in the effective
/// configuration) and then throws ``ConfigurationTable/invalidValue(_:_:)`` on the key's line when the
/// value cannot be used.
extension ConfigurationTable {
    /// The duration under `key`, or `default`; zero is an error.
    func positiveDuration(_ key: String, default defaultValue: Duration) throws(ConfigurationError) -> Duration {
        let value = try duration(key, default: defaultValue)
        if value <= .zero {
            throw invalidValue(key, "must be longer than 0s")
        }
        return value
    }

    /// The size under `key`, or `default`; smaller than `minimum` bytes is an error.
    func byteSize(_ key: String, default defaultValue: Int, minimum: Int) throws(ConfigurationError) -> Int {
        let value = try byteSize(key, default: defaultValue)
        if value < minimum {
            throw invalidValue(key, "must be at least \(Self.describeSize(minimum)), found \(value) bytes")
        }
        return value
    }

    /// The path under `key`, or `default`; it must be absolute, or empty when `allowsEmpty`.
    func absolutePath(_ key: String, default path: String, allowsEmpty: Bool) throws(ConfigurationError) -> String {
        let path = try string(key, default: path)
        if path.isEmpty, allowsEmpty {
            return path
        }
        if let problem = Self.pathProblem(path) {
            throw invalidValue(key, "\(problem), found \"\(path)\"")
        }
        return path
    }

    /// The paths (or globs) under `key`, or `default`; each must be absolute.
    func absolutePaths(_ key: String, default defaultValue: [String]) throws(ConfigurationError) -> [String] {
        let paths = try stringArray(key, default: defaultValue)
        for path in paths {
            if let problem = Self.pathProblem(path) {
                throw invalidValue(key, "holds \"\(path)\": every entry \(problem)")
            }
        }
        return paths
    }

    /// The severity under `key`, or `default`: a syslog keyword (`err`, `warning`...) or `"0"` to `"7"`.
    func severity(_ key: String, default defaultValue: Severity) throws(ConfigurationError) -> Severity {
        let keyword = try string(key, default: defaultValue.description)
        guard let severity = Severity(keyword: keyword) else {
            let keywords = Severity.allCases.map { "'\($0)'" }.joined(separator: ", ")
            throw invalidValue(
                key, "must be a syslog priority, one of \(keywords) or \"0\" to \"7\", found '\(keyword)'")
        }
        return severity
    }

    /// Why `path` is not an absolute path the agent can use; `nil` when it is.
    private static func pathProblem(_ path: String) -> String? {
        if !path.hasPrefix("/") {
            return "must be an absolute path (starting with /)"
        }
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "must not contain control characters"
        }
        return nil
    }

    /// `64KiB`, `1MiB`, or a number of bytes.
    private static func describeSize(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20)MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10)KiB" }
        return "\(bytes) bytes"
    }
}
