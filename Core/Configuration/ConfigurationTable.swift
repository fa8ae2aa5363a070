/// One table of a configuration file, seen through typed accessors that apply defaults.
///
/// Every accessor takes the key and the default, returns the file's value when the key is there
/// and the default when it is not, and throws a ``ConfigurationError`` naming the key and its
/// line when the value has the wrong type or cannot be used. A table missing from the file reads
/// as an empty one, so its keys all take their defaults.
///
/// ```swift
/// let agent = try reader.root.table("agent")
/// let host = try agent.string("host", default: "localhost")
/// let batchLimit = try agent.integer("max_batch_groups", default: 500, in: 1...10_000)
/// let units = try agent.stringArray("units", default: [])
/// let flushInterval = try agent.duration("flush_interval", default: .seconds(5))
/// if host.isEmpty {
///     throw agent.invalidValue("host", "must not be empty")
/// }
/// ```
///
/// Asking is what makes a key known: ``rejectUnknownKeys()`` reports the keys that were not asked
/// for. See ``ConfigurationReader`` for the whole flow.
public struct ConfigurationTable: Sendable {
    private let contents: TOMLTable
    private let path: ConfigurationPath
    private let usage: ConfigurationUsage
    /// The file's name, as error messages give it.
    public let fileName: String
    /// The line the table was defined on; `nil` when the file does not have it.
    public let line: Int?

    /// A view of `contents`, the table at `path`, that records what is asked of it in `usage`.
    init(contents: TOMLTable, path: ConfigurationPath, line: Int?, fileName: String, usage: ConfigurationUsage) {
        self.contents = contents
        self.path = path
        self.line = line
        self.fileName = fileName
        self.usage = usage
    }

    /// The keys the file defines in this table, in file order; for tables whose keys are data,
    /// such as a map of labels. Reading them does not mark them as known.
    public var keys: [String] { contents.keys }

    /// Whether the file defines `key` in this table; does not mark it as known.
    public func contains(_ key: String) -> Bool {
        contents[key] != nil
    }

    // MARK: - Scalars

    /// The string under `key`, or `default`.
    public func string(_ key: String, default defaultValue: String) throws(ConfigurationError) -> String {
        try decode(key, default: defaultValue, expected: "a string", \.stringValue, render: { .string($0) })!
    }

    /// The string under `key`, or `nil` when the file has none; for settings without a sensible
    /// default, such as a token. `nil` does not appear in the effective configuration.
    public func string(_ key: String) throws(ConfigurationError) -> String? {
        try decode(key, default: nil, expected: "a string", \.stringValue, render: { .string($0) })
    }

    /// The integer under `key`, or `default`; with `range`, a value outside it is an error.
    public func integer(
        _ key: String,
        default defaultValue: Int,
        in range: ClosedRange<Int>? = nil
    ) throws(ConfigurationError) -> Int {
        let value = try decode(
            key,
            default: defaultValue,
            expected: "an integer",
            \.integerValue,
            render: { .integer($0) }
        )!
        if let range, !range.contains(value), contains(key) {
            let bounds: String
            if range.upperBound == .max {
                bounds = "at least \(range.lowerBound)"
            } else if range.lowerBound == .min {
                bounds = "at most \(range.upperBound)"
            } else {
                bounds = "between \(range.lowerBound) and \(range.upperBound)"
            }
            throw invalidValue(key, "must be \(bounds), found \(value)")
        }
        return value
    }

    /// The float under `key`, or `default`; an integer is accepted too (`ratio = 1`).
    public func float(_ key: String, default defaultValue: Double) throws(ConfigurationError) -> Double {
        try decode(key, default: defaultValue, expected: "a float", \.floatValue, render: { .float($0) })!
    }

    /// The boolean under `key`, or `default`.
    public func bool(_ key: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        try decode(key, default: defaultValue, expected: "a boolean", \.booleanValue, render: { .boolean($0) })!
    }

    /// The array of strings under `key`, or `default`.
    public func stringArray(_ key: String, default defaultValue: [String]) throws(ConfigurationError) -> [String] {
        let strings = try decode(
            key,
            default: defaultValue,
            expected: "an array of strings",
            { value in
                guard let elements = value.arrayValue else { return nil }
                let strings = elements.compactMap(\.stringValue)
                return strings.count == elements.count ? strings : nil
            },
            render: { strings in .array(strings.map { TOMLValue(.string($0)) }) }
        )
        return strings!
    }

    /// One of `Choice`'s cases, named by its raw value, or `default`; anything else is an error
    /// that lists the choices.
    ///
    /// ```swift
    /// enum Priority: String, CaseIterable, Sendable { case emerg, alert, crit, err, warning }
    /// let level = try journald.choice("priority", default: Priority.err)
    /// ```
    public func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String,
        default defaultValue: Choice
    ) throws(ConfigurationError) -> Choice where Choice.RawValue == String {
        let name = try string(key, default: defaultValue.rawValue)
        if let choice = Choice(rawValue: name) {
            return choice
        }
        let names = Choice.allCases.map(\.rawValue)
        let listed = names.map { "'\($0)'" }.joined(separator: ", ")
        let suggestion = Self.closest(to: name, among: names).map { "; did you mean '\($0)'?" } ?? ""
        throw invalidValue(key, "must be one of \(listed), found '\(name)'\(suggestion)")
    }

    // MARK: - Tables

    /// The table under `key`; an empty one, whose keys all take their defaults, when the file has none.
    public func table(_ key: String) throws(ConfigurationError) -> ConfigurationTable {
        usage.markAsked(key, in: path)
        let childPath = path.appending(key)
        usage.recordTable(at: childPath)
        guard let value = contents[key] else {
            return ConfigurationTable(
                contents: TOMLTable(), path: childPath, line: nil, fileName: fileName, usage: usage)
        }
        guard let table = value.tableValue else {
            throw typeMismatch(key, expected: "a table", found: value)
        }
        return ConfigurationTable(contents: table, path: childPath, line: value.line, fileName: fileName, usage: usage)
    }

    /// The tables of the array of tables under `key` (`[[sources]]`, or `sources = [{...}]`);
    /// empty when the file has none.
    public func tables(_ key: String) throws(ConfigurationError) -> [ConfigurationTable] {
        usage.markAsked(key, in: path)
        guard let value = contents[key] else {
            usage.recordArrayOfTables(count: 0, for: key, in: path)
            return []
        }
        guard let elements = value.arrayValue, elements.allSatisfy({ $0.tableValue != nil }) else {
            let header = "[[\(path.dottedName(of: key))]]"
            throw typeMismatch(key, expected: "an array of tables (\(header) sections)", found: value)
        }
        usage.recordArrayOfTables(count: elements.count, for: key, in: path)
        return elements.enumerated().map { index, element in
            ConfigurationTable(
                contents: element.tableValue!,
                path: path.appending(key, index: index),
                line: element.line,
                fileName: fileName,
                usage: usage
            )
        }
    }

    // MARK: - Checking

    /// Throws for the first key, by line, in this table or any table below it, that no accessor
    /// asked for; call it on the root once every component has read its settings.
    ///
    /// The message names the key, its table and line, and suggests a known key when the unknown
    /// one looks like a typo of it:
    /// `agent.toml:12: unknown key 'flush_intervall' in [agent]; did you mean 'flush_interval'?`
    public func rejectUnknownKeys() throws(ConfigurationError) {
        var first: (key: String, value: TOMLValue, path: ConfigurationPath)?
        findUnknownKeys(in: contents, at: path) { key, value, path in
            if first == nil || value.line < first!.value.line {
                first = (key, value, path)
            }
        }
        guard let (key, value, tablePath) = first else { return }

        let message: String
        let isArrayOfTables = value.arrayValue.map { !$0.isEmpty && $0.allSatisfy { $0.tableValue != nil } } ?? false
        if value.tableValue != nil {
            message = "unknown table [\(tablePath.dottedName(of: key))]"
        } else if isArrayOfTables {
            message = "unknown table [[\(tablePath.dottedName(of: key))]]"
        } else if tablePath.steps.isEmpty {
            message = "unknown key '\(TOMLRenderer.key(key))' at the top level"
        } else {
            message = "unknown key '\(TOMLRenderer.key(key))' in \(tablePath.tableName)"
        }
        let known = usage.askedKeys(in: tablePath)
        let suggestion = Self.closest(to: key, among: known).map { "; did you mean '\($0)'?" } ?? ""
        throw ConfigurationError(.unknownKey, message + suggestion, fileName: fileName, line: value.line)
    }

    /// An error for a value of `key` that the program cannot use, on the key's line; `problem`
    /// completes "'table.key' ...", as in `must not be empty`.
    public func invalidValue(_ key: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(
            .invalidValue,
            "'\(path.dottedName(of: key))' \(problem)",
            fileName: fileName,
            line: contents[key]?.line ?? line
        )
    }

    // MARK: - Internals

    /// Marks `key` as asked, converts its value (or takes the default) and records the result.
    ///
    /// With `recordsStringsAsWritten`, a string from the file is recorded as it was written, so
    /// that `"512KB"` stays `"512KB"` in the effective configuration rather than becoming `"500KiB"`.
    func decode<Value>(
        _ key: String,
        default defaultValue: Value?,
        expected: String,
        recordsStringsAsWritten: Bool = false,
        _ convert: (TOMLValue) throws(ConfigurationError) -> Value?,
        render: (Value) -> TOMLValue.Content
    ) throws(ConfigurationError) -> Value? {
        usage.markAsked(key, in: path)
        guard let value = contents[key] else {
            if let defaultValue {
                usage.record(TOMLValue(render(defaultValue)), for: key, in: path)
            }
            return defaultValue
        }
        guard let converted = try convert(value) else {
            throw typeMismatch(key, expected: expected, found: value)
        }
        let isWrittenString = recordsStringsAsWritten && value.stringValue != nil
        usage.record(isWrittenString ? value : TOMLValue(render(converted), line: value.line), for: key, in: path)
        return converted
    }

    /// "'spool.max_bytes' must be an integer, found string".
    func typeMismatch(_ key: String, expected: String, found value: TOMLValue) -> ConfigurationError {
        var found = value.typeName
        if let elements = value.arrayValue, let odd = elements.first(where: { $0.typeName != elements[0].typeName }) {
            found = "an array mixing \(elements[0].typeName) and \(odd.typeName)"
        } else if let first = value.arrayValue?.first {
            found = "an array of \(first.typeName)s"
        }
        let message = "'\(path.dottedName(of: key))' must be \(expected), found \(found)"
        return ConfigurationError(.typeMismatch, message, fileName: fileName, line: value.line)
    }

    private func findUnknownKeys(
        in table: TOMLTable,
        at tablePath: ConfigurationPath,
        _ report: (String, TOMLValue, ConfigurationPath) -> Void
    ) {
        let asked = Set(usage.askedKeys(in: tablePath))
        for (key, value) in table {
            guard asked.contains(key) else {
                report(key, value, tablePath)
                continue
            }
            if let child = value.tableValue {
                findUnknownKeys(in: child, at: tablePath.appending(key), report)
            } else if let elements = value.arrayValue {
                for (index, element) in elements.enumerated() {
                    if let child = element.tableValue {
                        findUnknownKeys(in: child, at: tablePath.appending(key, index: index), report)
                    }
                }
            }
        }
    }

    /// The candidate a typo most likely meant: within two edits, and fewer than a third of the word.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = min(2, max(1, word.count / 3))
        let scored = candidates.map { (candidate: $0, distance: editDistance(Array(word.utf8), Array($0.utf8))) }
        return scored.filter { $0.distance <= limit }.min { $0.distance < $1.distance }?.candidate
    }

    /// Edits (insert, delete, replace, swap two neighbours) that turn `source` into `target`.
    private static func editDistance(_ source: [UInt8], _ target: [UInt8]) -> Int {
        let width = target.count + 1
        var distances = [Int](repeating: 0, count: (source.count + 1) * width)
        for i in 0...source.count {
            for j in 0...target.count {
                if i == 0 || j == 0 {
                    distances[i * width + j] = i + j
                    continue
                }
                let cost = source[i - 1] == target[j - 1] ? 0 : 1
                var best = min(
                    distances[(i - 1) * width + j] + 1,
                    distances[i * width + j - 1] + 1,
                    distances[(i - 1) * width + j - 1] + cost
                )
                if i > 1, j > 1, source[i - 1] == target[j - 2], source[i - 2] == target[j - 1] {
                    best = min(best, distances[(i - 2) * width + j - 2] + 1)
                }
                distances[i * width + j] = best
            }
        }
        return distances[source.count * width + target.count]
    }
}
