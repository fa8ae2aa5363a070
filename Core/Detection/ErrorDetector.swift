/// Recognises error lines in plain text with a cheap byte scan, and error entries in journald by `PRIORITY`.
///
/// For text, three kinds of evidence, each on word boundaries (a word is letters, digits and `_`):
/// - a level word written in capitals anywhere: `ERROR`, `FATAL`, `CRIT`, `PANIC`, `SEVERE`, ...;
/// - a level word in any case where a level stands: after `level=`, inside `[...]` or `<...>`, or as the
///   first word followed by `:` (`error: disk full`), so that "0 errors" or "error_count=0" never match;
/// - an exception marker: `Traceback (most recent call last)`, `panic: `, `Caused by: `, or a word ending
///   in `Exception` or `Error` followed by `:` (`java.io.IOException:`, `KeyError:`).
public struct ErrorDetector: Sendable {
    /// What counts as an error.
    public struct Configuration: Sendable {
        /// Level words, each with its severity; matched in capitals anywhere, in any case in level positions.
        public var levelWords: [String: Severity]
        /// Texts that mark an error where a word starts (case-sensitive), such as `Caused by: `; each should
        /// begin with a letter or digit.
        public var markers: [String]
        /// The least urgent severity reported: `err` by default, `warning` to include warnings.
        public var maximumSeverity: Severity

        /// The default word lists.
        public init(
            levelWords: [String: Severity] = [
                "EMERG": .emerg, "EMERGENCY": .emerg, "PANIC": .emerg, "ALERT": .alert, "FATAL": .crit,
                "CRIT": .crit, "CRITICAL": .crit, "SEVERE": .err, "ERROR": .err, "ERR": .err, "FAILURE": .err,
                "WARN": .warning, "WARNING": .warning,
            ],
            markers: [String] = ["Traceback (most recent call last)", "panic: ", "Caused by: ", "Segmentation fault"],
            maximumSeverity: Severity = .err
        ) {
            self.levelWords = levelWords
            self.markers = markers
            self.maximumSeverity = maximumSeverity
        }
    }

    /// A level word, upper-cased, with its first 8 bytes packed for a one-compare lookup.
    private struct LevelWord: Sendable {
        var bytes: [UInt8]
        var packed: UInt64
        var severity: Severity
    }

    private let levelWords: [LevelWord]
    /// Bit `n` set when some level word starts with the letter `A + n`.
    private let levelInitials: UInt32
    private let longestLevelWord: Int
    private let markers: [[UInt8]]
    /// Bit `b & 63` set when some marker starts with byte `b`: most words are rejected with one test.
    private let markerInitials: UInt64
    private let maximumSeverity: Severity

    /// Creates a detector.
    public init(configuration: Configuration = .init()) {
        levelWords = configuration.levelWords.map { word, severity in
            let bytes = Array(word.uppercased().utf8)
            return LevelWord(bytes: bytes, packed: Self.pack(bytes.prefix(8)), severity: severity)
        }
        levelInitials = levelWords.reduce(0) { mask, word in
            guard let first = word.bytes.first, ByteClass.isUpper(first) else { return mask }
            return mask | (1 << UInt32(first - UInt8(ascii: "A")))
        }
        longestLevelWord = levelWords.map(\.bytes.count).max() ?? 0
        markers = configuration.markers.map { Array($0.utf8) }.filter { !$0.isEmpty }
        markerInitials = markers.reduce(0) { $0 | (1 << UInt64($1[0] & 63)) }
        maximumSeverity = configuration.maximumSeverity
    }

    private static func pack(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for (offset, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(offset)) }
        return value
    }

    /// Whether a journald entry of this `PRIORITY` is reported.
    public func isError(priority: Int) -> Bool {
        priority >= 0 && priority <= maximumSeverity.rawValue
    }

    /// The severity of a text line when it is an error (at or above the configured severity), else `nil`.
    public func detect(_ line: UnsafeBufferPointer<UInt8>) -> Severity? {
        var best: Severity? = nil
        func consider(_ severity: Severity) {
            if severity <= maximumSeverity, best.map({ severity < $0 }) ?? true { best = severity }
        }
        var index = 0
        var wordIndex = 0
        let count = line.count
        while index < count {
            guard Self.isWordByte(line[index]) else {
                index += 1
                continue
            }
            let start = index
            while index < count, Self.isWordByte(line[index]) { index += 1 }
            if let severity = levelWord(line, start, index, wordIndex: wordIndex) { consider(severity) }
            if index < count, line[index] == UInt8(ascii: ":"), endsWithExceptionName(line, start, index) {
                consider(.err)
            }
            if best == nil, markerInitials & (1 << UInt64(line[start] & 63)) != 0, maximumSeverity >= .err,
                markers.contains(where: { matches($0, in: line, at: start) })
            {
                best = .err
            }
            wordIndex += 1
        }
        return best
    }

    /// Convenience for strings.
    public func detect(_ line: String) -> Severity? {
        var copy = line
        return copy.withUTF8 { detect($0) }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        ByteClass.isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    private func levelWord(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, wordIndex: Int) -> Severity? {
        let length = end - start
        guard length >= 3, length <= longestLevelWord else { return nil }
        let first = line[start]
        guard ByteClass.isLetter(first), levelInitials & (1 << UInt32((first & ~0x20) &- UInt8(ascii: "A"))) != 0
        else { return nil }
        var packed: UInt64 = 0
        var allCapitals = true
        for offset in 0..<min(length, 8) {
            let byte = line[start + offset]
            if ByteClass.isLetter(byte), !ByteClass.isUpper(byte) { allCapitals = false }
            packed |= UInt64(ByteClass.isLetter(byte) ? byte & ~0x20 : byte) << (8 * UInt64(offset))
        }
        for word in levelWords where word.packed == packed && word.bytes.count == length {
            if length > 8 {
                for offset in 8..<length {
                    let byte = line[start + offset]
                    if ByteClass.isLetter(byte), !ByteClass.isUpper(byte) { allCapitals = false }
                    if (ByteClass.isLetter(byte) ? byte & ~0x20 : byte) != word.bytes[offset] { return nil }
                }
            }
            return allCapitals || isLevelPosition(line, start, end, wordIndex: wordIndex) ? word.severity : nil
        }
        return nil
    }

    /// `level=error`, `severity:err`, `[error]`, `<error>`, or the first word followed by `:`.
    private func isLevelPosition(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, wordIndex: Int) -> Bool {
        let before: UInt8? = start > 0 ? line[start - 1] : nil
        let after: UInt8? = end < line.count ? line[end] : nil
        if before == UInt8(ascii: "["), after == UInt8(ascii: "]") { return true }
        if before == UInt8(ascii: "<"), after == UInt8(ascii: ">") { return true }
        if wordIndex == 0, after == UInt8(ascii: ":") { return true }
        // The value may be quoted, after a space: `level="error"`, `"level":"error"`, `"level": "error"`.
        var separator = start - 1
        if separator > 0, line[separator] == UInt8(ascii: "\"") { separator -= 1 }
        while separator > 0, line[separator] == UInt8(ascii: " ") { separator -= 1 }
        if separator >= 0, line[separator] == UInt8(ascii: "=") || line[separator] == UInt8(ascii: ":") {
            var keyEnd = separator
            while keyEnd > 0, line[keyEnd - 1] == UInt8(ascii: "\"") { keyEnd -= 1 }
            for key in ["level", "lvl", "severity", "loglevel", "log_level"] {
                let bytes = Array(key.utf8)
                guard keyEnd >= bytes.count else { continue }
                var equal = true
                for offset in 0..<bytes.count
                where ByteClass.lower(line[keyEnd - bytes.count + offset]) != bytes[offset] {
                    equal = false
                    break
                }
                if equal { return true }
            }
        }
        return false
    }

    /// `...Exception` or `...Error` with a capital before it, e.g. `IOException`, `KeyError`.
    private func endsWithExceptionName(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        for suffix in [Array("Exception".utf8), Array("Error".utf8)] where end - start >= suffix.count {
            var equal = true
            for offset in 0..<suffix.count where line[end - suffix.count + offset] != suffix[offset] {
                equal = false
                break
            }
            if equal { return true }
        }
        return false
    }

    private func matches(_ marker: [UInt8], in line: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard start + marker.count <= line.count else { return false }
        for offset in 0..<marker.count where line[start + offset] != marker[offset] { return false }
        return true
    }
}
