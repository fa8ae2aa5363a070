/// Writes TOML text that ``TOMLParser`` (and any TOML 1.0 parser) reads back to the same values.
///
/// Used by ``TOMLDocument/rendered()`` and ``TOMLValue/description``.
struct TOMLRenderer {
    /// The text written so far.
    private(set) var output = ""

    /// Appends a whole document: the root's plain keys, then its `[table]` and `[[array]]` sections.
    mutating func appendDocument(_ root: TOMLTable) {
        appendBody(of: root, path: [])
    }

    /// Appends a value in inline form: `"text"`, `42`, `[1, 2]`, `{ a = 1 }`.
    mutating func appendInline(_ value: TOMLValue) {
        switch value.content {
        case .string(let text):
            appendString(text)
        case .integer(let number):
            output += String(number)
        case .float(let number):
            appendFloat(number)
        case .boolean(let flag):
            output += flag ? "true" : "false"
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                output += index == 0 ? "" : ", "
                appendInline(element)
            }
            output += "]"
        case .table(let table):
            guard !table.isEmpty else {
                output += "{}"
                return
            }
            output += "{ "
            for (index, entry) in table.enumerated() {
                output += index == 0 ? "" : ", "
                output += Self.key(entry.key) + " = "
                appendInline(entry.value)
            }
            output += " }"
        }
    }

    /// A key as TOML needs it written: bare when it is only `A-Za-z0-9_-`, quoted otherwise.
    static func key(_ key: String) -> String {
        let isBare = !key.isEmpty && key.utf8.allSatisfy(isBareKeyByte)
        if isBare {
            return key
        }
        var renderer = TOMLRenderer()
        renderer.appendString(key)
        return renderer.output
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    // MARK: - Sections

    private enum Placement {
        case inline
        case section(TOMLTable)
        case arrayOfTables([TOMLTable])
    }

    /// Tables become `[sections]` and non-empty arrays made only of tables become `[[sections]]`;
    /// everything else is written inline.
    private static func placement(of value: TOMLValue) -> Placement {
        switch value.content {
        case .table(let table):
            return .section(table)
        case .array(let elements) where !elements.isEmpty:
            let tables = elements.compactMap(\.tableValue)
            return tables.count == elements.count ? .arrayOfTables(tables) : .inline
        default:
            return .inline
        }
    }

    private static func isInline(_ value: TOMLValue) -> Bool {
        if case .inline = placement(of: value) { return true }
        return false
    }

    private mutating func appendBody(of table: TOMLTable, path: [String]) {
        for (key, value) in table where Self.isInline(value) {
            output += Self.key(key) + " = "
            appendInline(value)
            output += "\n"
        }
        for (key, value) in table {
            let childPath = path + [Self.key(key)]
            switch Self.placement(of: value) {
            case .inline:
                break
            case .section(let child):
                // A table holding only sections needs no header of its own, as in TOML's own
                // examples; an empty one does, or it would vanish.
                let holdsOnlySections = !child.isEmpty && !child.contains { Self.isInline($0.value) }
                if !holdsOnlySections {
                    appendHeader("[\(childPath.joined(separator: "."))]")
                }
                appendBody(of: child, path: childPath)
            case .arrayOfTables(let elements):
                for element in elements {
                    appendHeader("[[\(childPath.joined(separator: "."))]]")
                    appendBody(of: element, path: childPath)
                }
            }
        }
    }

    private mutating func appendHeader(_ header: String) {
        if !output.isEmpty {
            output += "\n"
        }
        output += header + "\n"
    }

    // MARK: - Scalars

    /// Writes a basic string, escaping quotes, backslashes and every control character.
    private mutating func appendString(_ text: String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            case "\r": output += "\\r"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let digits = String(scalar.value, radix: 16, uppercase: true)
                output += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    private mutating func appendFloat(_ number: Double) {
        if number.isNaN {
            output += "nan"
        } else if number.isInfinite {
            output += number < 0 ? "-inf" : "inf"
        } else {
            // Swift prints the shortest text that reads back exactly: "0.1", "1e-05", "5.0".
            output += number.description
        }
    }
}
