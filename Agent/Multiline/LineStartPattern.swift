/// A pattern that recognises the first line of an event, such as a line that starts with a date.
///
/// The syntax is a small glob matched against the *start* of the line, byte by byte, with no regular
/// expression engine and no allocation:
///
/// - `?` matches any one byte; `*` matches any run of bytes (including none);
/// - `[abc]`, `[0-9]`, `[!0-9]` (or `[^0-9]`) match one byte in, or not in, the set; a `]` right after the
///   opening `[` (or `[!`) is a member;
/// - `\` makes the next character literal; every other character matches itself, case-sensitively.
///
/// The pattern only has to match a prefix of the line, as if it ended with `*`: `[0-9][0-9][0-9][0-9]-`
/// matches `2024-05-01 12:00:00 ERROR ...`, and `*ERROR` matches any line that contains `ERROR`. Non-ASCII
/// characters are matched as their UTF-8 bytes, so `?` stands for one byte, not one character.
public struct LineStartPattern: Sendable, Hashable, CustomStringConvertible {
    private enum Element: Sendable, Hashable {
        case byte(UInt8)
        case anyByte
        case anyRun
        case set(ByteSet)
    }

    /// 256 bits, one per byte value.
    private struct ByteSet: Sendable, Hashable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        static func == (lhs: ByteSet, rhs: ByteSet) -> Bool {
            lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
                && lhs.words.3 == rhs.words.3
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
        }

        mutating func insert(_ byte: UInt8) {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        mutating func invert() {
            words = (~words.0, ~words.1, ~words.2, ~words.3)
        }

        func contains(_ byte: UInt8) -> Bool {
            let word: UInt64
            switch byte >> 6 {
            case 0: word = words.0
            case 1: word = words.1
            case 2: word = words.2
            default: word = words.3
            }
            return word & (UInt64(1) << UInt64(byte & 63)) != 0
        }
    }

    private let elements: [Element]
    /// The pattern as written.
    public let description: String

    /// Compiles `pattern`.
    ///
    /// - Throws: ``LineStartPatternError`` for an empty pattern, an unterminated `[...]` set, a range whose
    ///   ends are reversed, or a trailing `\`; the error names the pattern and the position.
    public init(_ pattern: String) throws(LineStartPatternError) {
        let bytes = Array(pattern.utf8)
        guard !bytes.isEmpty else { throw LineStartPatternError(.empty, pattern: pattern, position: 0) }
        var elements: [Element] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "?"):
                elements.append(.anyByte)
                index += 1
            case UInt8(ascii: "*"):
                // Consecutive stars mean the same as one.
                if elements.last != .anyRun { elements.append(.anyRun) }
                index += 1
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else {
                    throw LineStartPatternError(.trailingEscape, pattern: pattern, position: index)
                }
                elements.append(.byte(bytes[index + 1]))
                index += 2
            case UInt8(ascii: "["):
                let (set, end) = try Self.parseSet(bytes, from: index, pattern: pattern)
                elements.append(.set(set))
                index = end
            default:
                elements.append(.byte(byte))
                index += 1
            }
        }
        self.elements = elements
        self.description = pattern
    }

    /// Parses the set that opens at `bytes[start]` (`[`); returns it and the index after its `]`.
    private static func parseSet(
        _ bytes: [UInt8], from start: Int, pattern: String
    ) throws(LineStartPatternError) -> (ByteSet, Int) {
        var set = ByteSet()
        var index = start + 1
        var negated = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "!") || bytes[index] == UInt8(ascii: "^") {
            negated = true
            index += 1
        }
        var first = true
        while index < bytes.count {
            var low = bytes[index]
            if low == UInt8(ascii: "]"), !first {
                if negated { set.invert() }
                return (set, index + 1)
            }
            first = false
            if low == UInt8(ascii: "\\"), index + 1 < bytes.count {
                index += 1
                low = bytes[index]
            }
            index += 1
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] != UInt8(ascii: "]") {
                let high = bytes[index + 1]
                guard low <= high else {
                    throw LineStartPatternError(.reversedRange, pattern: pattern, position: index - 1)
                }
                for member in low...high { set.insert(member) }
                index += 2
            } else {
                set.insert(low)
            }
        }
        throw LineStartPatternError(.unterminatedSet, pattern: pattern, position: start)
    }

    /// Whether the line starts with text that the pattern matches.
    ///
    /// Linear in the line's length for patterns with at most one `*`; with several, a failed attempt only
    /// retries from the last `*`, so the cost stays bounded by `line.count × pattern length`.
    public func matches(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var element = 0
        var position = 0
        var starElement = -1
        var starPosition = 0
        while true {
            if element == elements.count { return true }
            if elements[element] == .anyRun {
                starElement = element
                starPosition = position
                element += 1
                continue
            }
            if position < line.count, Self.element(elements[element], matches: line[position]) {
                element += 1
                position += 1
                continue
            }
            guard starElement >= 0, starPosition < line.count else { return false }
            starPosition += 1
            position = starPosition
            element = starElement + 1
        }
    }

    /// Whether the line starts with text that the pattern matches.
    public func matches(_ line: some StringProtocol) -> Bool {
        var text = String(line)
        return text.withUTF8 { matches($0) }
    }

    private static func element(_ element: Element, matches byte: UInt8) -> Bool {
        switch element {
        case .byte(let expected): byte == expected
        case .anyByte: true
        case .anyRun: true
        case .set(let set): set.contains(byte)
        }
    }
}
