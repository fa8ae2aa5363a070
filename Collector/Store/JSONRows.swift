import FaultlineCore
import Foundation
import SQLKit

/// Rows for a multi-row statement, bound as one JSON text rather than one parameter per value.
///
/// A batch's rows (samples, hourly buckets, fingerprints...) number in the thousands when batches are stored
/// together; bound one value at a time, the driver's per-parameter work costs more than the database's. Here
/// the rows become one JSON array of arrays, bound once, and the database unpacks it (`jsonb_each` on SQLite,
/// `jsonb_array_elements` on PostgreSQL) into a derived table with named, typed columns, in the order the
/// rows were added:
///
/// ```swift
/// var rows = JSONRows(("group_id", .text), ("count", .integer))
/// rows.append([.text(group), .integer(count)])
/// try await database.raw("INSERT INTO t (group_id, count) SELECT group_id, count FROM \(rows.table(engine)) WHERE true").run()
/// ```
///
/// Text is written with ``EscapedText/appendJSON(_:to:)``, so any log line is a valid JSON string. A NUL
/// character, which PostgreSQL cannot store in text, becomes U+FFFD on both engines, so that they hold the
/// same values.
struct JSONRows {
    /// A column's SQL type.
    enum ColumnType {
        case integer
        case text
    }

    /// A value of a row.
    enum Value {
        case integer(Int64)
        case text(String)
        case null

        /// `text`, or NULL when it is `nil`.
        static func text(_ text: String?) -> Value { text.map(Value.text) ?? .null }
    }

    private let columns: [(name: String, type: ColumnType)]
    private var json: [UInt8] = [UInt8(ascii: "[")]
    /// How many rows were added.
    private(set) var count = 0

    /// Rows of `columns`, named as they will be in the derived table.
    init(_ columns: (name: String, type: ColumnType)...) {
        self.columns = columns
    }

    /// Whether no row was added.
    var isEmpty: Bool { count == 0 }

    /// Adds a row: one value per column, in the columns' order.
    mutating func append(_ values: [Value]) {
        precondition(values.count == columns.count, "a row needs one value per column")
        if count > 0 { json.append(UInt8(ascii: ",")) }
        json.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            switch value {
            case .integer(let number): json.append(contentsOf: String(number).utf8)
            case .text(let text):
                EscapedText.appendJSON(
                    text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text, to: &json)
            case .null: json.append(contentsOf: "null".utf8)
            }
        }
        json.append(UInt8(ascii: "]"))
        count += 1
    }

    /// The rows as a derived table named `incoming` for `engine`, to use after `FROM`; its columns have the
    /// names given.
    ///
    /// `INSERT ... SELECT ... FROM` it `WHERE true` when the insert has an `ON CONFLICT` clause: SQLite
    /// needs the `WHERE` to tell the upsert from a join.
    func table(_ engine: DatabaseEngine) -> SQLQueryString {
        let text = String(decoding: json + [UInt8(ascii: "]")], as: UTF8.self)
        switch engine {
        case .sqlite:
            // Converted once to SQLite's binary JSON, whose elements are read without parsing text again.
            let selected = columns.enumerated().map { index, column in
                "value ->> \(index) AS \(column.name)"
            }.joined(separator: ", ")
            return "(SELECT \(unsafeRaw: selected) FROM jsonb_each(jsonb(\(bind: text))) ORDER BY key) AS incoming"
        case .postgresql:
            let selected = columns.enumerated().map { index, column in
                "CAST(value ->> \(index) AS \(column.type == .integer ? "BIGINT" : "TEXT")) AS \(column.name)"
            }.joined(separator: ", ")
            return """
                (SELECT \(unsafeRaw: selected) FROM jsonb_array_elements(CAST(\(bind: text) AS JSONB))
                    WITH ORDINALITY AS element (value, ordinal) ORDER BY ordinal) AS incoming
                """
        }
    }
}
