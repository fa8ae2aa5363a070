/// One result row, copied out of SQLite so that it outlives the statement and can cross tasks.
///
/// Read columns by position (`row[0].int64`) or by the name the query gave them (`row["count"]?.int64`).
public struct SQLiteRow: Hashable, Sendable {
    /// The column names, in query order.
    public let columnNames: [String]
    /// The values, in query order.
    public let values: [SQLiteValue]

    /// Creates a row; ``SQLiteStatement`` does this for each row it returns.
    public init(columnNames: [String], values: [SQLiteValue]) {
        precondition(columnNames.count == values.count, "a row needs one name per value")
        self.columnNames = columnNames
        self.values = values
    }

    /// The value in column `index` (zero-based); traps if the row has no such column.
    public subscript(index: Int) -> SQLiteValue { values[index] }

    /// The value of the first column named `name` (exact, case-sensitive match), or `nil` if there is none.
    public subscript(name: String) -> SQLiteValue? {
        columnNames.firstIndex(of: name).map { values[$0] }
    }
}
