import Synchronization

/// Where a table sits in a configuration file: the keys from the root, each possibly followed by
/// the index of an element in an array of tables (`[[sources]]`).
struct ConfigurationPath: Hashable, Sendable {
    /// One key, and for an element of an array of tables, its 0-based index.
    struct Step: Hashable, Sendable {
        var key: String
        var index: Int?
    }

    /// The steps from the root; empty for the root itself.
    var steps: [Step] = []

    /// The path of the table under `key`, or of its `index`-th element.
    func appending(_ key: String, index: Int? = nil) -> ConfigurationPath {
        ConfigurationPath(steps: steps + [Step(key: key, index: index)])
    }

    /// `spool.max_bytes` for `key` in this table, as messages name a key.
    func dottedName(of key: String) -> String {
        (steps.map(\.key) + [key]).map(TOMLRenderer.key).joined(separator: ".")
    }

    /// `[spool]`, `[[sources]]` or `[sources.multiline]`, as messages name a table.
    var tableName: String {
        let name = steps.map { TOMLRenderer.key($0.key) }.joined(separator: ".")
        return steps.last?.index == nil ? "[\(name)]" : "[[\(name)]]"
    }
}

/// What the program asked a configuration for, shared by a ``ConfigurationReader`` and every
/// ``ConfigurationTable`` it hands out: the keys asked for (to find unknown ones) and the values
/// returned, defaults included (to print the effective configuration).
final class ConfigurationUsage: Sendable {
    private struct State {
        var askedKeys: [ConfigurationPath: [String]] = [:]
        var effective = TOMLTable()
    }

    private let state = Mutex(State())

    /// Notes that the program asked for `key` in the table at `path`.
    func markAsked(_ key: String, in path: ConfigurationPath) {
        state.withLock { state in
            if state.askedKeys[path]?.contains(key) != true {
                state.askedKeys[path, default: []].append(key)
            }
        }
    }

    /// The keys asked for in the table at `path`, in the order they were first asked.
    func askedKeys(in path: ConfigurationPath) -> [String] {
        state.withLock { $0.askedKeys[path] ?? [] }
    }

    /// Records the value the program got for `key` in the table at `path`.
    func record(_ value: TOMLValue, for key: String, in path: ConfigurationPath) {
        state.withLock { state in
            Self.modifyTable(at: path.steps[...], in: &state.effective) { $0[key] = value }
        }
    }

    /// Records that the program read the table at `path`, so that it shows even when it holds
    /// nothing but defaults.
    func recordTable(at path: ConfigurationPath) {
        state.withLock { state in
            Self.modifyTable(at: path.steps[...], in: &state.effective) { _ in }
        }
    }

    /// Records that the program read an array of `count` tables under `key` in the table at `path`.
    func recordArrayOfTables(count: Int, for key: String, in path: ConfigurationPath) {
        state.withLock { state in
            Self.modifyTable(at: path.steps[...], in: &state.effective) { table in
                if table[key]?.arrayValue?.count != count {
                    table[key] = TOMLValue(.array(Array(repeating: TOMLValue(.table(TOMLTable())), count: count)))
                }
            }
        }
    }

    /// Everything recorded so far, as a table.
    var effective: TOMLTable {
        state.withLock { $0.effective }
    }

    /// Runs `body` on the table at `steps` below `table`, creating the tables on the way.
    private static func modifyTable(
        at steps: ArraySlice<ConfigurationPath.Step>,
        in table: inout TOMLTable,
        _ body: (inout TOMLTable) -> Void
    ) {
        guard let step = steps.first else {
            body(&table)
            return
        }
        if let index = step.index {
            var elements = table[step.key]?.arrayValue ?? []
            while elements.count <= index {
                elements.append(TOMLValue(.table(TOMLTable())))
            }
            var element = elements[index].tableValue ?? TOMLTable()
            modifyTable(at: steps.dropFirst(), in: &element, body)
            elements[index] = TOMLValue(.table(element))
            table[step.key] = TOMLValue(.array(elements))
        } else {
            var child = table[step.key]?.tableValue ?? TOMLTable()
            modifyTable(at: steps.dropFirst(), in: &child, body)
            table[step.key] = TOMLValue(.table(child))
        }
    }
}
