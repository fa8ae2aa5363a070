extension ConfigurationTable {
    /// The duration under `key`, or `default`.
    ///
    /// Accepts a string of amounts with units, `ms`, `s`, `m`, `h` or `d`, such as `"250ms"`,
    /// `"5s"`, `"2m"`, `"24h"` or `"1h30m"`; or a number of seconds, such as `30` or `0.5`.
    /// The effective configuration repeats a string as written, and writes a number or a default
    /// as a string such as `"1m30s"`.
    public func duration(_ key: String, default defaultValue: Duration) throws(ConfigurationError) -> Duration {
        let expected = "a duration such as \"5s\", \"250ms\", \"2m\" or \"24h\""
        let duration = try decode(
            key,
            default: defaultValue,
            expected: expected,
            recordsStringsAsWritten: true,
            { value throws(ConfigurationError) -> Duration? in
                switch value.content {
                case .integer(let seconds) where seconds >= 0:
                    return .seconds(seconds)
                case .float(let seconds) where seconds >= 0 && seconds <= ConfigurationUnits.maximumSeconds:
                    return .seconds(seconds)
                case .integer, .float:
                    throw invalidValue(key, "must be \(expected), found \(value)")
                case .string(let text):
                    guard let duration = ConfigurationUnits.duration(text) else {
                        throw invalidValue(key, "must be \(expected), found \(value)")
                    }
                    return duration
                default:
                    return nil
                }
            },
            render: ConfigurationUnits.render
        )
        return duration!
    }

    /// The size in bytes under `key`, or `default`.
    ///
    /// Accepts a number of bytes, such as `1048576`, or a string with a unit: binary `KiB`,
    /// `MiB`, `GiB`, `TiB` (powers of 1024) or decimal `B`, `KB`, `MB`, `GB`, `TB` (powers of
    /// 1000), such as `"64MiB"`, `"512KB"` or `"1 GiB"`. The effective configuration repeats a
    /// string as written, and writes a number or a default with the largest unit that divides it,
    /// such as `"64MiB"`.
    public func byteSize(_ key: String, default defaultValue: Int) throws(ConfigurationError) -> Int {
        let expected = "a size such as \"64MiB\", \"512KB\", \"1GiB\" or a number of bytes"
        let size = try decode(
            key,
            default: defaultValue,
            expected: expected,
            recordsStringsAsWritten: true,
            { value throws(ConfigurationError) -> Int? in
                switch value.content {
                case .integer(let bytes) where bytes >= 0:
                    return bytes
                case .integer:
                    throw invalidValue(key, "must be \(expected), found \(value)")
                case .string(let text):
                    guard let bytes = ConfigurationUnits.byteSize(text) else {
                        throw invalidValue(key, "must be \(expected), found \(value)")
                    }
                    return bytes
                default:
                    return nil
                }
            },
            render: ConfigurationUnits.renderByteSize
        )
        return size!
    }
}

/// Reads and writes the durations (`"5s"`) and sizes (`"64MiB"`) of configuration files.
enum ConfigurationUnits {
    /// The longest duration written as a number of seconds that is accepted (about 31,700 years);
    /// anything longer is a mistake.
    static let maximumSeconds = 1e12

    private static let durationUnits: [(name: String, milliseconds: Int)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    private static let sizeUnits: [(name: String, bytes: Int)] = [
        ("b", 1), ("kb", 1000), ("mb", 1000 * 1000), ("gb", 1000 * 1000 * 1000), ("tb", 1000 * 1000 * 1000 * 1000),
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
    ]

    /// `"250ms"`, `"5s"`, `"1h30m"`... as a duration; `nil` for anything else.
    static func duration(_ text: String) -> Duration? {
        var rest = Substring(text)
        var milliseconds = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let amount = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitName = rest.prefix { $0.isASCII && $0.isLetter }
            guard let unit = durationUnits.first(where: { $0.name == unitName }) else { return nil }
            rest = rest.dropFirst(unitName.count)
            let (product, overflowProduct) = amount.multipliedReportingOverflow(by: unit.milliseconds)
            let (sum, overflowSum) = milliseconds.addingReportingOverflow(product)
            guard !overflowProduct, !overflowSum else { return nil }
            milliseconds = sum
        }
        return .milliseconds(milliseconds)
    }

    /// A duration as the string `duration(_:)` reads, such as `"1m30s"`; one that is not a whole
    /// number of milliseconds, or is negative, as a float of seconds.
    static func render(_ duration: Duration) -> TOMLValue.Content {
        let (seconds, attoseconds) = duration.components
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        guard seconds >= 0, attoseconds >= 0, attoseconds % attosecondsPerMillisecond == 0,
            seconds < Int64.max / 1000
        else {
            return .float(Double(seconds) + Double(attoseconds) / 1e18)
        }
        var milliseconds = Int(seconds) * 1000 + Int(attoseconds / attosecondsPerMillisecond)
        guard milliseconds > 0 else { return .string("0s") }
        var text = ""
        for unit in durationUnits.dropLast().reversed() where milliseconds >= unit.milliseconds {
            text += "\(milliseconds / unit.milliseconds)\(unit.name)"
            milliseconds %= unit.milliseconds
        }
        return .string(text)
    }

    /// `"64MiB"`, `"512 KB"`, `"100"`... as a number of bytes; `nil` for anything else.
    static func byteSize(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let amount = Int(digits) else { return nil }
        var unitName = text.dropFirst(digits.count)
        if unitName.first == " " {
            unitName = unitName.dropFirst()
        }
        if unitName.isEmpty {
            return amount
        }
        guard let unit = sizeUnits.first(where: { $0.name == unitName.lowercased() }) else { return nil }
        let (bytes, overflow) = amount.multipliedReportingOverflow(by: unit.bytes)
        return overflow ? nil : bytes
    }

    /// A size with the largest binary, else decimal, unit that divides it: `"64MiB"`, `"500KB"`;
    /// an integer when no unit divides it.
    static func renderByteSize(_ bytes: Int) -> TOMLValue.Content {
        guard bytes > 0 else { return .integer(bytes) }
        let units = [
            ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
            ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000),
        ]
        for (name, size) in units where bytes % size == 0 {
            return .string("\(bytes / size)\(name)")
        }
        return .integer(bytes)
    }
}
