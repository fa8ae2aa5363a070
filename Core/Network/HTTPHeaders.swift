/// An ordered list of HTTP header fields with case-insensitive lookup by name.
///
/// ```swift
/// let headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "Content-Encoding": "gzip"]
/// response.headers["retry-after"]  // the first Retry-After value, whatever its case on the wire
/// ```
public struct HTTPHeaders: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// One header field as sent or received.
    public struct Field: Hashable, Sendable {
        /// The field name, with the case it was given or received in.
        public var name: String
        /// The field value, without surrounding whitespace.
        public var value: String

        /// Creates a field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The fields, in order; a name may appear more than once.
    public private(set) var fields: [Field]

    /// Creates headers from `(name, value)` pairs, keeping their order.
    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { Field(name: $0.0, value: $0.1) }
    }

    /// Creates headers from a dictionary literal, keeping the literal's order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Appends a field, keeping any earlier field of the same name.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Appends an obsolete folded continuation line to the last field's value.
    mutating func extendLastValue(with continuation: String) {
        guard !fields.isEmpty, !continuation.isEmpty else { return }
        fields[fields.count - 1].value += " " + continuation
    }

    /// The value of the first field named `name` (compared case-insensitively), or `nil`.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }

    /// The values of every field named `name` (compared case-insensitively), in order.
    public func values(for name: String) -> [String] {
        let wanted = name.lowercased()
        return fields.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// Iterates over the fields in order.
    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    /// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
    static func trimmed(_ text: some StringProtocol) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(text[first...last])
    }
}
