/// Turns UTF-8 bytes into a ``TOMLTable``; use it through ``TOMLDocument/init(parsing:fileName:)``.
///
/// While parsing, tables live in an arena and are addressed by index: a later `[a.b]` header can
/// reopen a table that an earlier one created, and indexes make that cheap. The arena becomes a
/// tree of values once the whole file is read.
struct TOMLParser {
    private enum Node {
        case table(Int)
        case array(Int)
        case leaf(Int)
    }

    /// How a table came to exist, which decides what may add to it later (TOML's rules).
    private enum TableOrigin {
        /// Created on the way to a deeper header, such as `a` for `[a.b]`; a `[a]` header may
        /// still define it.
        case implicit
        /// Defined by its own `[header]` (or `[[header]]` for an element); defined once only.
        case header
        /// Created by a dotted key such as `a.b = 1`; more dotted keys may add to it.
        case dotted
        /// Written inline as `{ ... }`; nothing may add to it afterwards.
        case inline
    }

    private struct TableNode {
        var keys: [String] = []
        var children: [String: Node] = [:]
        var origin: TableOrigin
        var line: Int
        var depth: Int
    }

    private struct ArrayNode {
        var items: [Node] = []
        /// Made by `[[header]]`, so a later `[[header]]` may append to it; `[...]` arrays are fixed.
        var isArrayOfTables: Bool
        var line: Int
    }

    private let bytes: [UInt8]
    private let fileName: String
    private var position = 0
    private var line = 1
    private var tables: [TableNode] = []
    private var arrays: [ArrayNode] = []
    private var leaves: [TOMLValue] = []

    /// Prepares to parse `bytes`; `fileName` names the file in error messages.
    init(bytes: [UInt8], fileName: String) {
        self.bytes = bytes
        self.fileName = fileName
    }

    /// Parses the whole input and returns its root table.
    mutating func parse() throws(ConfigurationError) -> TOMLTable {
        if let offset = Self.firstInvalidUTF8Offset(in: bytes) {
            let line = 1 + bytes[..<offset].count { $0 == .newline }
            let hex = String(bytes[offset], radix: 16, uppercase: true)
            throw error("invalid UTF-8 (byte 0x\(hex)); the file must be UTF-8 text", line: line)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            position = 3  // A byte order mark is harmless; editors on some systems add one.
        }
        let root = try newTable(origin: .header, line: 1, depth: 0)
        var current = root
        var currentPath: [String] = []
        while true {
            skipBlanks()
            guard let byte = peek() else { break }
            switch byte {
            case .newline, .carriageReturn:
                try consumeNewline()
            case .hash:
                try skipComment()
            case .leftBracket:
                let isArrayOfTables = peek(offset: 1) == .leftBracket
                (current, currentPath) = isArrayOfTables ? try parseArrayTableHeader() : try parseTableHeader()
                let header = isArrayOfTables ? "[[\(keyPath(currentPath))]]" : "[\(keyPath(currentPath))]"
                try expectEndOfLine(after: "the table header \(header)")
            default:
                let path = try parseKeyValue(into: current, tablePath: currentPath, depth: tables[current].depth)
                try expectEndOfLine(after: "the value of '\(keyPath(path))'")
            }
        }
        return table(root)
    }

    // MARK: - Structure

    /// Parses `key = value` and adds it to `table`; returns the full key path, for messages.
    private mutating func parseKeyValue(
        into table: Int,
        tablePath: [String],
        depth: Int
    ) throws(ConfigurationError) -> [String] {
        let keyLine = line
        let keys = try parseKey()
        skipBlanks()
        guard peek() == .equals else {
            throw error("expected '=' after key '\(keyPath(keys))', found \(describeCurrent())")
        }
        position += 1
        skipBlanks()
        let path = tablePath + keys
        let value = try parseValue(path: path, depth: depth + keys.count)

        var current = table
        for (index, key) in keys.dropLast().enumerated() {
            if let child = tables[current].children[key] {
                guard case .table(let id) = child, tables[id].origin == .dotted || tables[id].origin == .implicit
                else {
                    throw conflict(at: tablePath + keys[...index], with: child, line: keyLine)
                }
                current = id
            } else {
                let id = try newTable(origin: .dotted, line: keyLine, depth: tables[current].depth + 1)
                addChild(.table(id), named: key, to: current)
                current = id
            }
        }
        let lastKey = keys[keys.count - 1]
        if let existing = tables[current].children[lastKey] {
            throw conflict(at: path, with: existing, line: keyLine)
        }
        addChild(value, named: lastKey, to: current)
        return path
    }

    /// Parses `[a.b]`; returns the table it defines and its key path.
    private mutating func parseTableHeader() throws(ConfigurationError) -> (Int, [String]) {
        let headerLine = line
        position += 1
        skipBlanks()
        let keys = try parseKey()
        skipBlanks()
        guard peek() == .rightBracket else {
            throw error("expected ']' to close the table header, found \(describeCurrent())")
        }
        position += 1

        let parent = try tableForHeader(prefix: keys.dropLast(), line: headerLine)
        let lastKey = keys[keys.count - 1]
        guard let existing = tables[parent].children[lastKey] else {
            let id = try newTable(origin: .header, line: headerLine, depth: tables[parent].depth + 1)
            addChild(.table(id), named: lastKey, to: parent)
            return (id, keys)
        }
        guard case .table(let id) = existing else {
            if case .array(let id) = existing, arrays[id].isArrayOfTables {
                let message =
                    "[\(keyPath(keys))] is an array of tables, defined on line \(arrays[id].line); "
                    + "write [[\(keyPath(keys))]] to add a table to it"
                throw ConfigurationError(.duplicateKey, message, fileName: fileName, line: headerLine)
            }
            throw conflict(at: keys, with: existing, line: headerLine)
        }
        let how: String
        switch tables[id].origin {
        case .implicit:
            tables[id].origin = .header
            tables[id].line = headerLine
            return (id, keys)
        case .header: how = ""
        case .dotted: how = " by dotted keys"
        case .inline: how = " as an inline table"
        }
        let message = "table [\(keyPath(keys))] is already defined\(how) on line \(tables[id].line)"
        throw ConfigurationError(.duplicateKey, message, fileName: fileName, line: headerLine)
    }

    /// Parses `[[a.b]]`; appends a table to the array and returns it with its key path.
    private mutating func parseArrayTableHeader() throws(ConfigurationError) -> (Int, [String]) {
        let headerLine = line
        position += 2
        skipBlanks()
        let keys = try parseKey()
        skipBlanks()
        guard peek() == .rightBracket, peek(offset: 1) == .rightBracket else {
            if peek() == .rightBracket {
                position += 1  // Name what follows the single ']', which is where the second one belongs.
            }
            throw error("expected ']]' to close the array of tables header, found \(describeCurrent())")
        }
        position += 2

        let parent = try tableForHeader(prefix: keys.dropLast(), line: headerLine)
        let lastKey = keys[keys.count - 1]
        let element = try newTable(origin: .header, line: headerLine, depth: tables[parent].depth + 1)
        guard let existing = tables[parent].children[lastKey] else {
            arrays.append(ArrayNode(items: [.table(element)], isArrayOfTables: true, line: headerLine))
            addChild(.array(arrays.count - 1), named: lastKey, to: parent)
            return (element, keys)
        }
        guard case .array(let id) = existing, arrays[id].isArrayOfTables else {
            let what: String
            switch existing {
            case .table(let id): what = "a table, defined on line \(tables[id].line)"
            case .array(let id): what = "an array, defined on line \(arrays[id].line)"
            case .leaf(let id): what = "a \(leaves[id].typeName), defined on line \(leaves[id].line)"
            }
            let message = "cannot make [[\(keyPath(keys))]] an array of tables: it is already \(what)"
            throw ConfigurationError(.duplicateKey, message, fileName: fileName, line: headerLine)
        }
        arrays[id].items.append(.table(element))
        return (element, keys)
    }

    /// Walks (and creates) the tables above a header's last key, entering the last table of an
    /// array of tables, as TOML says `[fruits.variety]` means "in the latest `[[fruits]]`".
    private mutating func tableForHeader(prefix: ArraySlice<String>, line: Int) throws(ConfigurationError) -> Int {
        var current = 0
        for (index, key) in zip(prefix.indices, prefix) {
            guard let child = tables[current].children[key] else {
                let id = try newTable(origin: .implicit, line: line, depth: tables[current].depth + 1)
                addChild(.table(id), named: key, to: current)
                current = id
                continue
            }
            if case .table(let id) = child, tables[id].origin != .inline {
                current = id
            } else if case .array(let id) = child, arrays[id].isArrayOfTables,
                case .table(let last)? = arrays[id].items.last
            {
                current = last
            } else {
                throw conflict(at: Array(prefix[...index]), with: child, line: line)
            }
        }
        return current
    }

    private mutating func newTable(origin: TableOrigin, line: Int, depth: Int) throws(ConfigurationError) -> Int {
        if depth > TOMLDocument.maximumNesting {
            throw nestingError()
        }
        tables.append(TableNode(origin: origin, line: line, depth: depth))
        return tables.count - 1
    }

    private mutating func addChild(_ child: Node, named key: String, to table: Int) {
        tables[table].keys.append(key)
        tables[table].children[key] = child
    }

    /// The error for defining `path` again when `existing` is already there.
    private func conflict(at path: [String], with existing: Node, line: Int) -> ConfigurationError {
        let message: String
        switch existing {
        case .table(let id) where tables[id].origin == .inline:
            message =
                "'\(keyPath(path))' is an inline table, defined on line \(tables[id].line), "
                + "and cannot be extended; move its keys into a [\(keyPath(path))] table"
        case .table(let id) where tables[id].origin == .header:
            message =
                "duplicate key '\(keyPath(path))': table [\(keyPath(path))] is already defined "
                + "on line \(tables[id].line)"
        case .table(let id):
            message = "duplicate key '\(keyPath(path))', first defined on line \(tables[id].line)"
        case .array(let id):
            message = "duplicate key '\(keyPath(path))', first defined on line \(arrays[id].line)"
        case .leaf(let id):
            message = "duplicate key '\(keyPath(path))', first defined on line \(leaves[id].line)"
        }
        return ConfigurationError(.duplicateKey, message, fileName: fileName, line: line)
    }

    private func nestingError() -> ConfigurationError {
        error("tables and arrays are nested more than \(TOMLDocument.maximumNesting) levels deep")
    }

    // MARK: - Keys

    /// Parses `a`, `"a b"`, `'a'` or a dotted mix such as `a."b.c".d`.
    private mutating func parseKey() throws(ConfigurationError) -> [String] {
        var keys = [try parseSimpleKey()]
        while true {
            skipBlanks()
            guard peek() == .dot else { return keys }
            position += 1
            skipBlanks()
            keys.append(try parseSimpleKey())
        }
    }

    private mutating func parseSimpleKey() throws(ConfigurationError) -> String {
        switch peek() {
        case .quote?, .apostrophe?:
            let quote = bytes[position]
            if peek(offset: 1) == quote, peek(offset: 2) == quote {
                throw error("a key cannot be a multi-line string")
            }
            return quote == .quote ? try parseBasicString() : try parseLiteralString()
        default:
            let start = position
            while let byte = peek(), byte.isBareKeyByte {
                position += 1
            }
            guard position > start else {
                throw error("expected a key, found \(describeCurrent())")
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }

    // MARK: - Values

    private mutating func parseValue(path: [String], depth: Int) throws(ConfigurationError) -> Node {
        if depth > TOMLDocument.maximumNesting {
            throw nestingError()
        }
        let valueLine = line
        let content: TOMLValue.Content
        switch peek() {
        case .quote?:
            let isMultiLine = peek(offset: 1) == .quote && peek(offset: 2) == .quote
            content = .string(isMultiLine ? try parseMultiLineString(quote: .quote) : try parseBasicString())
        case .apostrophe?:
            let isMultiLine = peek(offset: 1) == .apostrophe && peek(offset: 2) == .apostrophe
            content = .string(
                isMultiLine ? try parseMultiLineString(quote: .apostrophe) : try parseLiteralString()
            )
        case .leftBracket?:
            return try parseArray(path: path, depth: depth + 1)
        case .leftBrace?:
            return try parseInlineTable(path: path, depth: depth + 1)
        default:
            content = try parseBareValue(path: path)
        }
        leaves.append(TOMLValue(content, line: valueLine))
        return .leaf(leaves.count - 1)
    }

    private mutating func parseArray(path: [String], depth: Int) throws(ConfigurationError) -> Node {
        let arrayLine = line
        position += 1
        var items: [Node] = []
        while true {
            try skipBlanksCommentsAndNewlines()
            guard let byte = peek() else {
                throw error("unterminated array for '\(keyPath(path))'; add the closing ']'", line: arrayLine)
            }
            if byte == .rightBracket {
                position += 1
                arrays.append(ArrayNode(items: items, isArrayOfTables: false, line: arrayLine))
                return .array(arrays.count - 1)
            }
            items.append(try parseValue(path: path, depth: depth))
            try skipBlanksCommentsAndNewlines()
            switch peek() {
            case .comma?:
                position += 1
            case .rightBracket?:
                position += 1
                arrays.append(ArrayNode(items: items, isArrayOfTables: false, line: arrayLine))
                return .array(arrays.count - 1)
            case nil:
                throw error("unterminated array for '\(keyPath(path))'; add the closing ']'", line: arrayLine)
            default:
                throw error("expected ',' or ']' in the array for '\(keyPath(path))', found \(describeCurrent())")
            }
        }
    }

    /// Parses `{ a = 1, b.c = 2 }`; like TOML 1.1 it accepts newlines, comments and a trailing comma.
    private mutating func parseInlineTable(path: [String], depth: Int) throws(ConfigurationError) -> Node {
        let tableLine = line
        position += 1
        let id = try newTable(origin: .inline, line: tableLine, depth: depth)
        while true {
            try skipBlanksCommentsAndNewlines()
            guard let byte = peek() else {
                throw error("unterminated inline table for '\(keyPath(path))'; add the closing '}'", line: tableLine)
            }
            if byte == .rightBrace {
                position += 1
                return .table(id)
            }
            _ = try parseKeyValue(into: id, tablePath: path, depth: depth)
            try skipBlanksCommentsAndNewlines()
            switch peek() {
            case .comma?:
                position += 1
            case .rightBrace?:
                position += 1
                return .table(id)
            case nil:
                throw error("unterminated inline table for '\(keyPath(path))'; add the closing '}'", line: tableLine)
            default:
                let found = describeCurrent()
                throw error("expected ',' or '}' in the inline table for '\(keyPath(path))', found \(found)")
            }
        }
    }

    /// Parses an unquoted value: a boolean, an integer or a float.
    private mutating func parseBareValue(path: [String]) throws(ConfigurationError) -> TOMLValue.Content {
        let start = position
        while let byte = peek(), byte.isBareValueByte {
            position += 1
        }
        let token = Array(bytes[start..<position])
        guard let first = token.first else {
            throw error("expected a value for '\(keyPath(path))', found \(describeCurrent())")
        }
        let text = String(decoding: token.prefix(60), as: UTF8.self) + (token.count > 60 ? "..." : "")
        switch text {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if token.looksLikeDateOrTime {
            throw error("dates and times are not supported; write the value as a string: \"\(text)\"")
        }
        if first.isLetter {
            throw error("expected a value for '\(keyPath(path))', found '\(text)'; strings must be quoted: \"\(text)\"")
        }
        do {
            return try TOMLNumberParser.parse(token)
        } catch {
            throw self.error("invalid number '\(text)': \(error.reason)")
        }
    }

    // MARK: - Strings

    /// Parses `"..."`, with escapes, on one line.
    private mutating func parseBasicString() throws(ConfigurationError) -> String {
        let startLine = line
        position += 1
        var text: [UInt8] = []
        while true {
            guard let byte = peek(), byte != .newline, byte != .carriageReturn else {
                throw error("unterminated string; add the closing '\"' on the same line", line: startLine)
            }
            switch byte {
            case .quote:
                position += 1
                return String(decoding: text, as: UTF8.self)
            case .backslash:
                try parseEscape(into: &text, stringLine: startLine)
            default:
                try appendStringByte(byte, to: &text)
            }
        }
    }

    /// Parses `'...'`, taken as written, on one line.
    private mutating func parseLiteralString() throws(ConfigurationError) -> String {
        let startLine = line
        position += 1
        var text: [UInt8] = []
        while true {
            guard let byte = peek(), byte != .newline, byte != .carriageReturn else {
                throw error("unterminated string; add the closing \"'\" on the same line", line: startLine)
            }
            if byte == .apostrophe {
                position += 1
                return String(decoding: text, as: UTF8.self)
            }
            try appendStringByte(byte, to: &text)
        }
    }

    /// Parses `"""..."""` (with escapes and line-ending backslashes) or `'''...'''` (as written).
    private mutating func parseMultiLineString(quote: UInt8) throws(ConfigurationError) -> String {
        let startLine = line
        let delimiter = quote == .quote ? "\"\"\"" : "'''"
        position += 3
        // A newline right after the opening delimiter is not part of the string.
        if peek() == .newline {
            position += 1
            line += 1
        } else if peek() == .carriageReturn, peek(offset: 1) == .newline {
            position += 2
            line += 1
        }
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw error("unterminated multi-line string; add the closing \(delimiter)", line: startLine)
            }
            switch byte {
            case quote:
                var count = 0
                while peek(offset: count) == quote {
                    count += 1
                }
                if count >= 3 {
                    // Up to two quotes may sit right before the closing delimiter.
                    guard count <= 5 else {
                        throw error("too many quotes at the end of a multi-line string; escape some of them")
                    }
                    text.append(contentsOf: repeatElement(quote, count: count - 3))
                    position += count
                    return String(decoding: text, as: UTF8.self)
                }
                text.append(contentsOf: repeatElement(quote, count: count))
                position += count
            case .newline:
                text.append(.newline)
                position += 1
                line += 1
            case .carriageReturn where peek(offset: 1) == .newline:
                text.append(.newline)
                position += 2
                line += 1
            case .backslash where quote == .quote:
                if !skipLineEndingBackslash() {
                    try parseEscape(into: &text, stringLine: startLine)
                }
            default:
                try appendStringByte(byte, to: &text)
            }
        }
    }

    /// Skips a backslash at the end of a line together with the whitespace and newlines after it,
    /// as TOML lets long strings be folded; returns `false`, skipping nothing, for other backslashes.
    private mutating func skipLineEndingBackslash() -> Bool {
        var offset = 1
        while peek(offset: offset) == .space || peek(offset: offset) == .tab {
            offset += 1
        }
        let next = peek(offset: offset)
        guard next == .newline || (next == .carriageReturn && peek(offset: offset + 1) == .newline) else {
            return false
        }
        position += offset
        while let byte = peek() {
            if byte == .space || byte == .tab {
                position += 1
            } else if byte == .newline {
                position += 1
                line += 1
            } else if byte == .carriageReturn, peek(offset: 1) == .newline {
                position += 2
                line += 1
            } else {
                break
            }
        }
        return true
    }

    private mutating func appendStringByte(_ byte: UInt8, to text: inout [UInt8]) throws(ConfigurationError) {
        if byte.isForbiddenControl {
            throw error("control character \(byte.unicodeName) is not allowed in a string; write it as \\u\(byte.hex4)")
        }
        text.append(byte)
        position += 1
    }

    /// Parses the escape sequence at the current backslash.
    private mutating func parseEscape(into text: inout [UInt8], stringLine: Int) throws(ConfigurationError) {
        position += 1
        guard let byte = peek() else {
            throw error("unterminated string; add the closing '\"'", line: stringLine)
        }
        position += 1
        switch byte {
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "t"): text.append(.tab)
        case UInt8(ascii: "n"): text.append(.newline)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "r"): text.append(.carriageReturn)
        case UInt8(ascii: "e"): text.append(0x1B)
        case .quote, .backslash: text.append(byte)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let length = byte == UInt8(ascii: "u") ? 4 : 8
            let end = min(position + length, bytes.count)
            let digits = bytes[position..<end]
            let written = "\\" + String(decoding: [byte], as: UTF8.self) + String(decoding: digits, as: UTF8.self)
            guard digits.count == length, digits.allSatisfy(\.isHexDigit) else {
                throw error(
                    "invalid escape '\(written)'; \\\(byte == UInt8(ascii: "u") ? "u" : "U") needs "
                        + "exactly \(length) hex digits")
            }
            guard let code = UInt32(String(decoding: digits, as: UTF8.self), radix: 16),
                let scalar = Unicode.Scalar(code)
            else {
                throw error("invalid escape '\(written)': not a Unicode scalar value")
            }
            UTF8.encode(scalar) { text.append($0) }
            position = end
        default:
            position -= 1
            let shown = describeCurrent()
            throw error("invalid escape '\\' followed by \(shown); write '\\\\' for a backslash")
        }
    }

    // MARK: - Whitespace, comments, lines

    private func peek(offset: Int = 0) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipBlanks() {
        while let byte = peek(), byte == .space || byte == .tab {
            position += 1
        }
    }

    private mutating func skipBlanksCommentsAndNewlines() throws(ConfigurationError) {
        while true {
            skipBlanks()
            switch peek() {
            case .hash?: try skipComment()
            case .newline?, .carriageReturn?: try consumeNewline()
            default: return
            }
        }
    }

    private mutating func consumeNewline() throws(ConfigurationError) {
        if peek() == .carriageReturn {
            guard peek(offset: 1) == .newline else {
                throw error("a carriage return must be followed by a newline")
            }
            position += 1
        }
        position += 1
        line += 1
    }

    /// Skips from `#` to the end of the line, leaving the newline.
    private mutating func skipComment() throws(ConfigurationError) {
        position += 1
        while let byte = peek(), byte != .newline {
            if byte == .carriageReturn, peek(offset: 1) == .newline {
                return
            }
            if byte.isForbiddenControl || byte == .carriageReturn {
                throw error("control character \(byte.unicodeName) is not allowed in a comment")
            }
            position += 1
        }
    }

    private mutating func expectEndOfLine(after what: String) throws(ConfigurationError) {
        skipBlanks()
        switch peek() {
        case nil, .newline?, .carriageReturn?: return
        case .hash?: try skipComment()
        default: throw error("unexpected \(describeCurrent()) after \(what); expected a new line or a comment")
        }
    }

    // MARK: - Messages

    private func error(_ message: String, line: Int? = nil) -> ConfigurationError {
        ConfigurationError(.syntax, message, fileName: fileName, line: line ?? self.line)
    }

    private func keyPath(_ keys: [String]) -> String {
        keys.map(TOMLRenderer.key).joined(separator: ".")
    }

    /// Names the byte at the current position for a message: `'x'`, `end of line`, `U+0000`...
    private func describeCurrent() -> String {
        guard let byte = peek() else { return "end of file" }
        switch byte {
        case .newline, .carriageReturn: return "end of line"
        case .space: return "a space"
        case .apostrophe: return "\"'\""
        case _ where byte.isForbiddenControl || byte == .tab: return "control character \(byte.unicodeName)"
        case _ where byte < 0x80: return "'\(Character(Unicode.Scalar(byte)))'"
        default:
            // The code point as well, since pasted text brings invisible characters such as U+00A0.
            let end = min(position + 4, bytes.count)
            guard let scalar = String(decoding: bytes[position..<end], as: UTF8.self).unicodeScalars.first else {
                return "'?'"
            }
            let digits = String(scalar.value, radix: 16, uppercase: true)
            return "'\(scalar)' (U+\(String(repeating: "0", count: max(0, 4 - digits.count)) + digits))"
        }
    }

    // MARK: - Building the result

    private func table(_ id: Int) -> TOMLTable {
        var result = TOMLTable()
        let node = tables[id]
        for key in node.keys {
            result[key] = value(of: node.children[key]!)
        }
        return result
    }

    private func value(of node: Node) -> TOMLValue {
        switch node {
        case .leaf(let id):
            return leaves[id]
        case .array(let id):
            return TOMLValue(.array(arrays[id].items.map(value(of:))), line: arrays[id].line)
        case .table(let id):
            return TOMLValue(.table(table(id)), line: tables[id].line)
        }
    }

    private static func firstInvalidUTF8Offset(in bytes: [UInt8]) -> Int? {
        if String(validating: bytes, as: UTF8.self) != nil {
            return nil
        }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }
}

/// The bytes of TOML's syntax, and the classes of bytes the grammar distinguishes.
extension UInt8 {
    fileprivate static let tab = UInt8(ascii: "\t")
    fileprivate static let newline = UInt8(ascii: "\n")
    fileprivate static let carriageReturn = UInt8(ascii: "\r")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let apostrophe = UInt8(ascii: "'")
    fileprivate static let hash = UInt8(ascii: "#")
    fileprivate static let comma = UInt8(ascii: ",")
    fileprivate static let dot = UInt8(ascii: ".")
    fileprivate static let equals = UInt8(ascii: "=")
    fileprivate static let backslash = UInt8(ascii: "\\")
    fileprivate static let leftBracket = UInt8(ascii: "[")
    fileprivate static let rightBracket = UInt8(ascii: "]")
    fileprivate static let leftBrace = UInt8(ascii: "{")
    fileprivate static let rightBrace = UInt8(ascii: "}")

    fileprivate var isLetter: Bool {
        (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }

    fileprivate var isDigit: Bool { (0x30...0x39).contains(self) }

    fileprivate var isHexDigit: Bool {
        isDigit || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }

    /// `A-Z a-z 0-9 _ -`, the bytes of an unquoted key.
    fileprivate var isBareKeyByte: Bool {
        isLetter || isDigit || self == UInt8(ascii: "_") || self == UInt8(ascii: "-")
    }

    /// The bytes an unquoted value can be made of; wide enough to take in a whole date or a mistyped
    /// word, so that the message quotes all of it.
    fileprivate var isBareValueByte: Bool {
        isBareKeyByte || self == .dot || self == UInt8(ascii: "+") || self == UInt8(ascii: ":")
    }

    /// Control characters, which TOML allows in neither strings nor comments (tab excepted).
    fileprivate var isForbiddenControl: Bool {
        (self < 0x20 && self != .tab) || self == 0x7F
    }

    fileprivate var hex4: String {
        let digits = String(self, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    fileprivate var unicodeName: String { "U+\(hex4)" }
}

extension [UInt8] {
    /// `1979-05-27...` or `07:32:00...`: the start of a TOML date or time.
    fileprivate var looksLikeDateOrTime: Bool {
        let isDate = count >= 5 && self[0..<4].allSatisfy(\.isDigit) && self[4] == UInt8(ascii: "-")
        let isTime = count >= 3 && self[0..<2].allSatisfy(\.isDigit) && self[2] == UInt8(ascii: ":")
        return isDate || isTime
    }
}
