/// Splits the rows of a multi-row statement so that each statement stays under both engines' limit on bound
/// parameters (SQLite: 32,766; PostgreSQL: 65,535). The ingest path writes a batch's rows with one statement
/// per table, which only a batch of thousands of groups needs to split.
enum StatementChunks {
    /// The most parameters one statement binds.
    static let maximumParameters = 30_000

    /// `items` in consecutive slices of at most `maximumParameters / parametersPerItem` items.
    static func of<Item>(_ items: [Item], parametersPerItem: Int) -> [ArraySlice<Item>] {
        let size = max(1, maximumParameters / max(1, parametersPerItem))
        return stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }
}
