/// One TOML value together with the line it was written on.
///
/// Equality compares contents only: the same value read from two files, or built in code, is equal
/// wherever it was written. Dates and times are not part of the model; the parser rejects them
/// with a hint to quote them.
public struct TOMLValue: Sendable, Equatable, CustomStringConvertible {
    /// What a TOML value holds.
    public enum Content: Sendable, Equatable {
        /// A string, from any of TOML's four string forms.
        case string(String)
        /// A 64-bit signed integer, from decimal, hex (`0x`), octal (`0o`) or binary (`0b`).
        case integer(Int)
        /// A double, including `inf`, `-inf` and `nan`.
        case float(Double)
        /// `true` or `false`.
        case boolean(Bool)
        /// An array, from `[...]` or from the `[[name]]` headers of an array of tables.
        case array([TOMLValue])
        /// A table, from a `[name]` header, dotted keys or an inline `{...}`.
        case table(TOMLTable)
    }

    /// The value itself.
    public var content: Content
    /// The 1-based line where the value was written (where it starts, for multi-line values);
    /// 0 for a value built in code.
    public var line: Int

    /// Wraps contents, with the line they were written on (0 when built in code).
    public init(_ content: Content, line: Int = 0) {
        self.content = content
        self.line = line
    }

    /// The TOML name of the value's type, as error messages say it: `string`, `integer`, `float`,
    /// `boolean`, `array` or `table`.
    public var typeName: String {
        switch content {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .array: "array"
        case .table: "table"
        }
    }

    /// The string, or `nil` for any other type.
    public var stringValue: String? {
        if case .string(let value) = content { return value }
        return nil
    }

    /// The integer, or `nil` for any other type (floats are not converted).
    public var integerValue: Int? {
        if case .integer(let value) = content { return value }
        return nil
    }

    /// The float, or the integer converted to a float, or `nil` for any other type.
    public var floatValue: Double? {
        switch content {
        case .float(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// The boolean, or `nil` for any other type.
    public var booleanValue: Bool? {
        if case .boolean(let value) = content { return value }
        return nil
    }

    /// The elements, or `nil` for any other type.
    public var arrayValue: [TOMLValue]? {
        if case .array(let value) = content { return value }
        return nil
    }

    /// The table, or `nil` for any other type.
    public var tableValue: TOMLTable? {
        if case .table(let value) = content { return value }
        return nil
    }

    /// The value as inline TOML, such as `"a\tb"`, `[1, 2]` or `{ host = "h" }`.
    public var description: String {
        var renderer = TOMLRenderer()
        renderer.appendInline(self)
        return renderer.output
    }

    /// Compares contents; the lines do not take part.
    public static func == (lhs: TOMLValue, rhs: TOMLValue) -> Bool {
        lhs.content == rhs.content
    }
}
