/// A parsed TOML file: its root table and the name that error messages give it.
///
/// The parser reads the TOML a configuration file needs: comments, bare, quoted and dotted keys,
/// `[table]` and `[[array.of.tables]]` headers, the four string forms with their escapes, integers
/// (decimal with `_` separators, `0x`, `0o`, `0b`), floats, booleans, arrays and inline tables
/// (which, as in TOML 1.1, may span lines and end with a comma). Dates and times are rejected
/// with a hint to quote them. Every value keeps the line it was written on.
///
/// ```swift
/// let document = try TOMLDocument(parsing: text, fileName: "agent.toml")
/// let host = document.root["collector"]?.tableValue?["host"]?.stringValue
/// print(document.rendered())
/// ```
///
/// Hostile input (NUL bytes, invalid UTF-8, deep nesting, huge files) is reported as a
/// ``ConfigurationError``, never a crash.
public struct TOMLDocument: Sendable, Equatable {
    /// How deeply tables and arrays may nest; real configuration files use a handful of levels,
    /// and the limit keeps hostile input from exhausting the stack.
    public static let maximumNesting = 128

    /// The name or path used in error messages, such as `agent.toml`.
    public var fileName: String
    /// The top-level table.
    public var root: TOMLTable

    /// Wraps a table built in code, for example to render it.
    public init(root: TOMLTable = TOMLTable(), fileName: String) {
        self.root = root
        self.fileName = fileName
    }

    /// Parses UTF-8 bytes; `fileName` only names the file in error messages.
    public init(parsing bytes: [UInt8], fileName: String) throws(ConfigurationError) {
        var parser = TOMLParser(bytes: bytes, fileName: fileName)
        self.root = try parser.parse()
        self.fileName = fileName
    }

    /// Parses text; `fileName` only names the file in error messages.
    public init(parsing text: String, fileName: String) throws(ConfigurationError) {
        try self.init(parsing: Array(text.utf8), fileName: fileName)
    }

    /// The document as TOML text, with `[table]` and `[[array]]` sections, parseable again.
    ///
    /// Keys keep their order; plain keys come before the sections of their table, as TOML
    /// requires. Strings are always written as escaped basic strings.
    public func rendered() -> String {
        var renderer = TOMLRenderer()
        renderer.appendDocument(root)
        return renderer.output
    }
}
