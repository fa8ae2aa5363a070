/// A TOML table: keys mapped to values, remembering the order the keys were defined in.
///
/// The order is what ``TOMLDocument/rendered()`` prints; equality ignores it, as TOML does.
/// Setting a new key appends it; setting `nil` removes it.
///
/// ```swift
/// var spool = TOMLTable()
/// spool["max_bytes"] = TOMLValue(.string("64MiB"))
/// spool["path"] = TOMLValue(.string("/var/lib/faultline/spool.sqlite"))
/// ```
public struct TOMLTable: Sendable, Equatable, Sequence {
    /// The keys, in the order they were defined.
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]

    /// Creates an empty table.
    public init() {}

    /// Creates a table from key–value pairs, in order; a repeated key keeps its last value.
    public init(_ entries: [(key: String, value: TOMLValue)]) {
        for (key, value) in entries {
            self[key] = value
        }
    }

    /// The number of keys.
    public var count: Int { keys.count }

    /// Whether the table has no keys.
    public var isEmpty: Bool { keys.isEmpty }

    /// The value for `key`; setting a new key appends it, setting `nil` removes it.
    public subscript(key: String) -> TOMLValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil {
                    keys.append(key)
                }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Iterates over the entries in definition order.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: TOMLValue)> {
        let values = self.values
        return keys.lazy.map { (key: $0, value: values[$0]!) }.makeIterator()
    }

    /// Compares keys and values; neither the order of the keys nor the lines take part.
    public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.values == rhs.values
    }
}
