/// One SQLite value, in one of its five storage classes.
///
/// Use it to bind statement parameters (`[.integer(id), .text(name), .blob(bytes), .null]`, or literals:
/// `[42, "web-1", nil]`) and to read result columns. Text is UTF-8 and may contain NUL characters; blobs may be empty.
public enum SQLiteValue: Hashable, Sendable {
    /// A signed 64-bit integer.
    case integer(Int64)
    /// A 64-bit IEEE floating point number.
    case real(Double)
    /// UTF-8 text.
    case text(String)
    /// Raw bytes.
    case blob([UInt8])
    /// SQL `NULL`.
    case null

    /// The integer, or `nil` for any other storage class.
    public var int64: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The number, converting an integer; `nil` for text, blobs and `NULL`.
    public var double: Double? {
        switch self {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// The text, or `nil` for any other storage class.
    public var string: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The bytes, or `nil` for any other storage class.
    public var blob: [UInt8]? {
        if case .blob(let value) = self { return value }
        return nil
    }

    /// True for SQL `NULL`.
    public var isNull: Bool { self == .null }
}

extension SQLiteValue: ExpressibleByIntegerLiteral {
    /// An integer literal becomes ``integer(_:)``.
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension SQLiteValue: ExpressibleByFloatLiteral {
    /// A float literal becomes ``real(_:)``.
    public init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLiteValue: ExpressibleByStringLiteral {
    /// A string literal becomes ``text(_:)``.
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLiteValue: ExpressibleByNilLiteral {
    /// `nil` becomes ``null``.
    public init(nilLiteral: ()) { self = .null }
}
