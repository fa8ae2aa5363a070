import CSQLite

/// A compiled SQL statement of one ``SQLiteDatabase``: bind parameters, step through rows, read columns.
///
/// Create one with ``SQLiteDatabase/prepare(_:)`` and reuse it for many executions; ``run(_:)`` and ``rows(_:)``
/// reset it and bind fresh values each time. Parameters are numbered from 1 (`?`, `?NNN`) or named (`:id`, `$id`);
/// columns are numbered from 0. A statement keeps its database open and, like it, is confined to one task at a time.
///
/// ```swift
/// let insert = try database.prepare("INSERT INTO batch (id, body) VALUES (?, ?)")
/// for batch in batches { try insert.run([.text(batch.id), .blob(batch.body)]) }
/// ```
public final class SQLiteStatement {
    /// The SQL text the statement was compiled from.
    public let sql: String
    private let database: SQLiteDatabase
    private let handle: OpaquePointer

    /// Takes ownership of a compiled `sqlite3_stmt *`, which `deinit` finalizes.
    init(database: SQLiteDatabase, handle: OpaquePointer) {
        self.database = database
        self.handle = handle
        self.sql = String(cString: sqlite3_sql(handle))
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    /// Binds `values` to parameters 1, 2, 3...; the count must match the statement's parameters.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw SQLiteError(
                .bindFailed, resultCode: SQLITE_RANGE,
                message: "the statement has \(expected) parameter(s) but \(values.count) value(s) were given",
                sql: sql)
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds `value` to the parameter at `index` (starting at 1).
    public func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        let code: Int32
        switch value {
        case .integer(let number):
            code = sqlite3_bind_int64(handle, index, number)
        case .real(let number):
            code = sqlite3_bind_double(handle, index, number)
        case .text(let text):
            var text = text
            code = text.withUTF8 { bytes in
                // A nil pointer would bind NULL instead of the empty string.
                sqlite3_bind_text64(
                    handle, index, bytes.baseAddress.map { UnsafeRawPointer($0) } ?? Self.emptyBytes,
                    UInt64(bytes.count), Self.transient, UInt8(SQLITE_UTF8))
            }
        case .blob(let bytes):
            if bytes.isEmpty {
                // As for text: a nil pointer would bind NULL instead of the empty blob.
                code = sqlite3_bind_zeroblob(handle, index, 0)
            } else {
                code = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob64(handle, index, buffer.baseAddress, UInt64(buffer.count), Self.transient)
                }
            }
        case .null:
            code = sqlite3_bind_null(handle, index)
        }
        guard code == SQLITE_OK else {
            throw SQLiteError(
                .bindFailed, resultCode: code,
                message: "parameter \(index): \(String(cString: sqlite3_errstr(code)))", sql: sql)
        }
    }

    /// Binds `value` to the named parameter `name`, written with its prefix as in the SQL (`:id`, `@id`, `$id`).
    public func bind(_ value: SQLiteValue, named name: String) throws(SQLiteError) {
        let index = sqlite3_bind_parameter_index(handle, name)
        guard index > 0 else {
            throw SQLiteError(
                .bindFailed, resultCode: SQLITE_RANGE,
                message: "the statement has no parameter named '\(name)'", sql: sql)
        }
        try bind(value, at: index)
    }

    // MARK: Execution

    /// Runs the statement until its next row; returns `true` if a row is ready to read, `false` when it is done.
    ///
    /// After `false` (or an error) call ``reset()`` before stepping again; ``run(_:)`` and ``rows(_:)`` do it.
    public func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(.executionFailed, code: code, sql: sql)
        }
    }

    /// Rewinds the statement so that it can run again; bound values are kept.
    public func reset() {
        // The return value repeats the last step's error, which step() has already thrown.
        sqlite3_reset(handle)
    }

    /// Sets every parameter back to `NULL`.
    public func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    /// Resets, binds `values` and runs the statement to completion, ignoring any rows it returns.
    ///
    /// Read ``SQLiteDatabase/changes`` or ``SQLiteDatabase/lastInsertRowID`` afterwards.
    public func run(_ values: [SQLiteValue] = []) throws(SQLiteError) {
        try prepareForExecution(values)
        defer { reset() }
        while try step() {}
    }

    /// Resets, binds `values` and returns every row the statement produces.
    public func rows(_ values: [SQLiteValue] = []) throws(SQLiteError) -> [SQLiteRow] {
        try prepareForExecution(values)
        defer { reset() }
        let names = (0..<columnCount).map { columnName(at: $0) }
        var rows: [SQLiteRow] = []
        while try step() {
            rows.append(SQLiteRow(columnNames: names, values: (0..<columnCount).map { value(at: $0) }))
        }
        return rows
    }

    private func prepareForExecution(_ values: [SQLiteValue]) throws(SQLiteError) {
        reset()
        clearBindings()
        try bind(values)
    }

    // MARK: Columns of the current row

    /// The number of columns in a result row (0 for statements that return none).
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name the query gives column `index` (its `AS` alias, or SQLite's choice without one).
    public func columnName(at index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    }

    /// True if column `index` of the current row is `NULL`.
    public func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Column `index` of the current row as an integer (SQLite converts text and reals); `nil` for `NULL`.
    public func int64(at index: Int32) -> Int64? {
        isNull(at: index) ? nil : sqlite3_column_int64(handle, index)
    }

    /// Column `index` of the current row as a real (SQLite converts text and integers); `nil` for `NULL`.
    public func double(at index: Int32) -> Double? {
        isNull(at: index) ? nil : sqlite3_column_double(handle, index)
    }

    /// Column `index` of the current row as UTF-8 text, NUL characters included; `nil` for `NULL`.
    ///
    /// Invalid UTF-8 (possible in a blob read as text) is repaired with U+FFFD replacement characters.
    public func string(at index: Int32) -> String? {
        guard !isNull(at: index) else { return nil }
        guard let text = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Column `index` of the current row as bytes (text gives its UTF-8 bytes); `nil` for `NULL`.
    public func blob(at index: Int32) -> [UInt8]? {
        guard !isNull(at: index) else { return nil }
        // The pointer must be fetched before the length: fetching it may convert the value.
        guard let bytes = sqlite3_column_blob(handle, index) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, index))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Column `index` of the current row in its own storage class, without conversion.
    public func value(at index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT: string(at: index).map { .text($0) } ?? .null
        case SQLITE_BLOB: blob(at: index).map { .blob($0) } ?? .null
        default: .null
        }
    }

    /// `SQLITE_TRANSIENT`: SQLite copies bound bytes at once, so Swift buffers need only live for the call.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)
    }

    /// A valid pointer to zero bytes, for binding the empty string.
    private static var emptyBytes: UnsafeRawPointer { UnsafeRawPointer(("" as StaticString).utf8Start) }
}

@available(*, unavailable, message: "A statement belongs to its database's task; see SQLiteDatabase.")
extension SQLiteStatement: Sendable {}
