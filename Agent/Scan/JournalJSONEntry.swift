import FaultlineCore

/// One line of `journalctl -o json` output: the fields `scan` uses, read without Foundation.
///
/// A line is a journal entry when it is a JSON object with a `MESSAGE` member. journalctl writes every
/// field as a string when it is printable UTF-8, as an array of byte values otherwise (binary data, or
/// text with control characters other than newline and tab), and as `null` when it is larger than 4096
/// bytes and `--all` was not given; a field that occurs several times in the entry becomes an array of
/// such values, of which the first is taken here.
///
/// The object is checked as strict JSON; anything else (a plain log line that happens to start with `{`,
/// an application's own JSON without `MESSAGE`) is not an entry, and `init(parsing:)` returns `nil`.
struct JournalJSONEntry: Sendable, Hashable {
    /// `MESSAGE`, as bytes; `nil` when journalctl printed `null` because the message is too large.
    var message: [UInt8]?
    /// `PRIORITY`, 0 (emerg) to 7 (debug); `nil` when absent or not one of those numbers.
    var priority: Int?
    /// `_SYSTEMD_UNIT`, such as `nginx.service`.
    var unit: String?
    /// `SYSLOG_IDENTIFIER`, such as `sshd`.
    var identifier: String?
    /// `_COMM`, the name of the process that logged the entry.
    var command: String?

    /// The source identity for fingerprints: the unit, else the syslog identifier, else the command, else
    /// the empty string.
    var sourceIdentity: String {
        for candidate in [unit, identifier, command] {
            if let candidate, !candidate.isEmpty { return candidate }
        }
        return ""
    }

    /// Parses one line (without its line break); `nil` unless it is a JSON object with a `MESSAGE` member.
    init?(parsing line: UnsafeBufferPointer<UInt8>) {
        var parser = JournalJSONParser(bytes: line)
        guard let entry = parser.parseEntry() else { return nil }
        self = entry
    }

    /// An entry built from its parts, for the parser.
    fileprivate init() {}
}

/// A strict JSON reader for the flat objects journalctl writes, that decodes only the members `scan`
/// uses and skips the rest (nested values included, to a bounded depth).
private struct JournalJSONParser {
    /// What a journal field's value turned out to be.
    private enum FieldValue {
        /// A string or an array of byte values, as bytes.
        case bytes([UInt8])
        /// `null`: journalctl left out a field over 4096 bytes.
        case null

        /// The value as text, invalid UTF-8 replaced; `nil` for `null`.
        var text: String? {
            if case .bytes(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }
    }

    /// The members `scan` reads; every other member is skipped without being decoded.
    private enum Field {
        case message, priority, unit, identifier, command, other

        static let named: [(name: [UInt8], field: Field)] = [
            (Array("MESSAGE".utf8), .message), (Array("PRIORITY".utf8), .priority),
            (Array("_SYSTEMD_UNIT".utf8), .unit), (Array("SYSLOG_IDENTIFIER".utf8), .identifier),
            (Array("_COMM".utf8), .command),
        ]
    }

    /// Skipped values nest no deeper than this; journalctl's never nest at all.
    private static let maximumDepth = 32

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The entry, or `nil` when the bytes are not one JSON object with a `MESSAGE` member.
    mutating func parseEntry() -> JournalJSONEntry? {
        var entry = JournalJSONEntry()
        var hasMessage = false
        skipWhitespace()
        guard consume(UInt8(ascii: "{")) else { return nil }
        skipWhitespace()
        if !consume(UInt8(ascii: "}")) {
            while true {
                guard let field = parseKey() else { return nil }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                switch field {
                case .message:
                    guard let value = parseFieldValue(allowsMultipleValues: true) else { return nil }
                    hasMessage = true
                    if case .bytes(let message) = value { entry.message = message }
                case .priority:
                    guard let value = parseFieldValue(allowsMultipleValues: true) else { return nil }
                    if case .bytes(let digits) = value, digits.count == 1, (0x30...0x37).contains(digits[0]) {
                        entry.priority = Int(digits[0] - 0x30)
                    }
                case .unit:
                    guard let value = parseFieldValue(allowsMultipleValues: true) else { return nil }
                    entry.unit = value.text
                case .identifier:
                    guard let value = parseFieldValue(allowsMultipleValues: true) else { return nil }
                    entry.identifier = value.text
                case .command:
                    guard let value = parseFieldValue(allowsMultipleValues: true) else { return nil }
                    entry.command = value.text
                case .other:
                    guard skipValue(depth: 0) else { return nil }
                }
                skipWhitespace()
                if consume(UInt8(ascii: "}")) { break }
                guard consume(UInt8(ascii: ",")) else { return nil }
                skipWhitespace()
            }
        }
        skipWhitespace()
        guard index == bytes.count, hasMessage else { return nil }
        return entry
    }

    // MARK: - Field values

    /// A journal field: a string, an array of byte values, `null`, or (when `allowsMultipleValues`) an array
    /// of those, for a field that occurred several times, of which the first is kept. `nil` for anything else.
    private mutating func parseFieldValue(allowsMultipleValues: Bool) -> FieldValue? {
        switch peek() {
        case UInt8(ascii: "\""):
            return parseString().map(FieldValue.bytes)
        case UInt8(ascii: "n"):
            return consumeLiteral("null") ? .null : nil
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { return .bytes([]) }
            if let first = peek(), first == UInt8(ascii: "-") || (0x30...0x39).contains(first) {
                return parseByteArrayRest()
            }
            guard allowsMultipleValues else { return nil }
            var first: FieldValue?
            while true {
                guard let value = parseFieldValue(allowsMultipleValues: false) else { return nil }
                first = first ?? value
                skipWhitespace()
                if consume(UInt8(ascii: "]")) { return first }
                guard consume(UInt8(ascii: ",")) else { return nil }
                skipWhitespace()
            }
        default:
            return nil
        }
    }

    /// The numbers 0–255 of an array whose `[` is consumed, up to and including its `]`.
    private mutating func parseByteArrayRest() -> FieldValue? {
        var values: [UInt8] = []
        while true {
            let start = index
            guard skipNumber(), index - start <= 3 else { return nil }
            var value = 0
            for digit in bytes[start..<index] {
                guard (0x30...0x39).contains(digit) else { return nil }
                value = value * 10 + Int(digit - 0x30)
            }
            guard value <= 255 else { return nil }
            values.append(UInt8(value))
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { return .bytes(values) }
            guard consume(UInt8(ascii: ",")) else { return nil }
            skipWhitespace()
        }
    }

    // MARK: - JSON grammar

    /// A member's key, compared where it lies when it has no escapes (journalctl's never do).
    private mutating func parseKey() -> Field? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"),
            bytes[index] >= 0x20
        {
            index += 1
        }
        guard index < bytes.count else { return nil }
        if bytes[index] != UInt8(ascii: "\"") {
            index = start - 1
            guard let key = parseString() else { return nil }
            return Field.named.first { $0.name == key }?.field ?? .other
        }
        let key = UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        return Field.named.first { $0.name.elementsEqual(key) }?.field ?? .other
    }

    /// A string, its escapes decoded to UTF-8 (a lone surrogate becomes U+FFFD); `nil` when it is not valid.
    private mutating func parseString() -> [UInt8]? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var output: [UInt8] = []
        var runStart = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                output.append(contentsOf: bytes[runStart..<index])
                index += 1
                return output
            }
            if byte < 0x20 { return nil }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            output.append(contentsOf: bytes[runStart..<index])
            index += 1
            guard index < bytes.count else { return nil }
            let escape = bytes[index]
            index += 1
            if let byte = EscapedText.unescapedJSON(escape) {
                output.append(byte)
            } else if escape == UInt8(ascii: "u"), let scalar = parseUnicodeEscape() {
                UTF8.encode(scalar) { output.append($0) }
            } else {
                return nil
            }
            runStart = index
        }
        return nil
    }

    /// Skips a string, checking it as ``parseString()`` does without decoding it.
    private mutating func skipString() -> Bool {
        guard consume(UInt8(ascii: "\"")) else { return false }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return true
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return false }
                let escape = bytes[index]
                index += 1
                if escape == UInt8(ascii: "u") {
                    guard parseHexQuad() != nil else { return false }
                } else if !Self.simpleEscapes.contains(escape) {
                    return false
                }
            case 0..<0x20:
                return false
            default:
                break
            }
        }
        return false
    }

    /// The characters that may follow a backslash, besides `u`.
    private static let simpleEscapes: [UInt8] = Array("\"\\/bfnrt".utf8)

    /// The scalar of a `\u` escape whose `\u` is consumed, combining a surrogate pair.
    private mutating func parseUnicodeEscape() -> Unicode.Scalar? {
        guard let unit = parseHexQuad() else { return nil }
        if (0xD800...0xDBFF).contains(unit), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
            bytes[index + 1] == UInt8(ascii: "u")
        {
            let save = index
            index += 2
            guard let low = parseHexQuad() else { return nil }
            if (0xDC00...0xDFFF).contains(low) {
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            }
            index = save
        }
        return Unicode.Scalar(unit) ?? "\u{FFFD}"
    }

    /// Four hexadecimal digits as a number.
    private mutating func parseHexQuad() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = EscapedText.hexValue(bytes[index]) else { return nil }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Skips any JSON value; `false` when there is none or it is not valid.
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < Self.maximumDepth, let byte = peek() else { return false }
        switch byte {
        case UInt8(ascii: "\""):
            return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = byte == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipWhitespace()
            if consume(close) { return true }
            while true {
                if isObject {
                    guard peek() == UInt8(ascii: "\""), skipString() else { return false }
                    skipWhitespace()
                    guard consume(UInt8(ascii: ":")) else { return false }
                    skipWhitespace()
                }
                guard skipValue(depth: depth + 1) else { return false }
                skipWhitespace()
                if consume(close) { return true }
                guard consume(UInt8(ascii: ",")) else { return false }
                skipWhitespace()
            }
        case UInt8(ascii: "t"):
            return consumeLiteral("true")
        case UInt8(ascii: "f"):
            return consumeLiteral("false")
        case UInt8(ascii: "n"):
            return consumeLiteral("null")
        default:
            return skipNumber()
        }
    }

    /// Skips a number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; `false` when there is none.
    private mutating func skipNumber() -> Bool {
        _ = consume(UInt8(ascii: "-"))
        guard let first = peek(), (0x30...0x39).contains(first) else { return false }
        index += 1
        if first != 0x30 { skipDigits() }
        if consume(UInt8(ascii: ".")) {
            guard skipDigits() > 0 else { return false }
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard skipDigits() > 0 else { return false }
        }
        return true
    }

    /// Skips decimal digits and returns how many there were.
    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = index
        while let byte = peek(), (0x30...0x39).contains(byte) { index += 1 }
        return index - start
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    /// Consumes `byte` when it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    /// Consumes `literal` when it is next.
    private mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] {
            return false
        }
        index += count
        return true
    }
}
