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
        /// Substrings that mark an error wherever they appear (case-sensitive).
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

    private let levelWords: [[UInt8]: Severity]
    private let longestLevelWord: Int
    private let markers: [[UInt8]]
    private let maximumSeverity: Severity

    /// Creates a detector.
    public init(configuration: Configuration = .init()) {
        var words: [[UInt8]: Severity] = [:]
        for (word, severity) in configuration.levelWords { words[Array(word.uppercased().utf8)] = severity }
        levelWords = words
        longestLevelWord = words.keys.map(\.count).max() ?? 0
        markers = configuration.markers.map { Array($0.utf8) }
        maximumSeverity = configuration.maximumSeverity
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
            wordIndex += 1
        }
        if best == nil, maximumSeverity >= .err, markers.contains(where: { contains(line, $0) }) { best = .err }
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
        var upper = [UInt8](repeating: 0, count: length)
        var allCapitals = true
        for offset in 0..<length {
            let byte = line[start + offset]
            if ByteClass.isLetter(byte), !ByteClass.isUpper(byte) { allCapitals = false }
            upper[offset] = ByteClass.isLetter(byte) ? byte & ~0x20 : byte
        }
        guard let severity = levelWords[upper] else { return nil }
        if allCapitals || isLevelPosition(line, start, end, wordIndex: wordIndex) { return severity }
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

    private func contains(_ line: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard needle.count > 0, line.count >= needle.count else { return false }
        var index = 0
        while index + needle.count <= line.count {
            if line[index] == needle[0] {
                var equal = true
                for offset in 1..<needle.count where line[index + offset] != needle[offset] {
                    equal = false
                    break
                }
                if equal { return true }
            }
            index += 1
        }
        return false
    }
}
