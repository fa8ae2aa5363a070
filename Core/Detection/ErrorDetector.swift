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

    /// The level words, upper-cased, in parallel arrays: their severities and whole bytes.
    private let levelSeverities: [Severity]
    private let levelBytes: [[UInt8]]
    /// An open-addressing table of the level words' keys (see ``key(_:_:_:)``), 0 for an empty slot, with each
    /// slot's index into the arrays above; a power of two at least twice the number of words, so that a word
    /// that is no level word costs about one load and one multiplication, however many level words there are.
    private let levelSlots: [(key: UInt64, word: Int)]
    /// The table's size less one: a mask for wrapping probes.
    private let levelSlotMask: Int
    /// Bit `n` set when some level word starts with the letter `A + n`.
    private let levelInitials: UInt32
    private let longestLevelWord: Int
    private let markers: [[UInt8]]
    /// Bit `b` set when some marker starts with the ASCII byte `b`: most words are rejected with one test.
    private let markerInitials: (low: UInt64, high: UInt64)
    private let maximumSeverity: Severity

    /// Creates a detector.
    public init(configuration: Configuration = .init()) {
        let words = configuration.levelWords.sorted { $0.key < $1.key }
        levelBytes = words.map { Array($0.key.uppercased().utf8) }
        var slotCount = 16
        while slotCount < 2 * levelBytes.count { slotCount *= 2 }
        levelSlotMask = slotCount - 1
        var slots = [(key: UInt64, word: Int)](repeating: (0, 0), count: slotCount)
        for (word, bytes) in levelBytes.enumerated() where !bytes.isEmpty {
            let key = bytes.withUnsafeBufferPointer { Self.key($0, 0, $0.count) }
            var slot = Self.slot(key, mask: slotCount - 1)
            while slots[slot].key != 0 { slot = (slot + 1) & (slotCount - 1) }
            slots[slot] = (key, word)
        }
        levelSlots = slots
        levelSeverities = words.map(\.value)
        levelInitials = levelBytes.reduce(0) { mask, bytes in
            guard let first = bytes.first, ByteClass.isUpper(first) else { return mask }
            return mask | (1 << UInt32(first - UInt8(ascii: "A")))
        }
        longestLevelWord = levelBytes.map(\.count).max() ?? 0
        markers = configuration.markers.map { Array($0.utf8) }.filter { !$0.isEmpty }
        markerInitials = markers.reduce((0, 0)) { mask, marker in
            let first = marker[0]
            guard first < 128 else { return mask }
            return first < 64
                ? (mask.low | 1 << UInt64(first), mask.high) : (mask.low, mask.high | 1 << UInt64(first - 64))
        }
        maximumSeverity = configuration.maximumSeverity
    }

    /// The key of a word for the level table: its first 7 bytes with bit 5 cleared (so `e` and `E` agree),
    /// packed little-endian, with its length in the top bits; never 0 for a word of 1 to 255 bytes. Clearing bit 5
    /// maps a byte to itself or to the byte 32 away, and longer words may share the first 7 bytes, so a key
    /// match is only a candidate, which ``spells(_:_:_:_:)`` then checks byte by byte.
    @inline(__always)
    private static func key(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        let length = end - start
        var packed: UInt64 = 0
        if line.count - start >= 8 {
            packed = UnsafeRawPointer(line.baseAddress! + start).loadUnaligned(as: UInt64.self).littleEndian
            if length < 8 { packed &= (1 << (8 * UInt64(length))) - 1 }
        } else {
            for offset in 0..<min(length, 8) { packed |= UInt64(line[start + offset]) << (8 * UInt64(offset)) }
        }
        return (packed & 0x00DF_DFDF_DFDF_DFDF) | UInt64(truncatingIfNeeded: length) << 56
    }

    /// The first slot to probe: the top bits of a Fibonacci hash of the key.
    @inline(__always)
    private static func slot(_ key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
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
            if best == nil, isMarkerInitial(line[start]), maximumSeverity >= .err,
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

    @inline(__always)
    private func isMarkerInitial(_ byte: UInt8) -> Bool {
        if byte < 64 { return markerInitials.low & (1 << UInt64(byte)) != 0 }
        return byte < 128 && markerInitials.high & (1 << UInt64(byte - 64)) != 0
    }

    /// `w` for the bytes of words (ASCII letters and digits, `_`, and every byte of a non-ASCII character),
    /// indexed by byte value: the scan runs over every byte of every line, and one load and one compare per
    /// byte beat a chain of range tests.
    private static var wordBytes: StaticString {
        """
        ................\
        ................\
        ................\
        wwwwwwwwww......\
        .wwwwwwwwwwwwwww\
        wwwwwwwwwww....w\
        .wwwwwwwwwwwwwww\
        wwwwwwwwwww.....\
        wwwwwwwwwwwwwwww\
        wwwwwwwwwwwwwwww\
        wwwwwwwwwwwwwwww\
        wwwwwwwwwwwwwwww\
        wwwwwwwwwwwwwwww\
        wwwwwwwwwwwwwwww\
        wwwwwwwwwwwwwwww\
        wwwwwwwwwwwwwwww
        """
    }

    @inline(__always)
    private static func isWordByte(_ byte: UInt8) -> Bool {
        wordBytes.utf8Start[Int(byte)] == UInt8(ascii: "w")
    }

    private func levelWord(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, wordIndex: Int) -> Severity? {
        let length = end - start
        guard length >= 3, length <= longestLevelWord else { return nil }
        let first = line[start]
        guard ByteClass.isLetter(first), levelInitials & (1 << UInt32((first & ~0x20) &- UInt8(ascii: "A"))) != 0
        else { return nil }
        let key = Self.key(line, start, end)
        var slot = Self.slot(key, mask: levelSlotMask)
        let word: Int? = levelSlots.withUnsafeBufferPointer { slots in
            // Words sharing their first 7 bytes and length share a key: probe on until the bytes agree.
            while slots[slot].key != 0 {
                if slots[slot].key == key, spells(slots[slot].word, line, start, end) { return slots[slot].word }
                slot = (slot + 1) & levelSlotMask
            }
            return nil
        }
        guard let word else { return nil }
        var allCapitals = true
        for offset in start..<end where ByteClass.isLetter(line[offset]) && !ByteClass.isUpper(line[offset]) {
            allCapitals = false
            break
        }
        return allCapitals || isLevelPosition(line, start, end, wordIndex: wordIndex) ? levelSeverities[word] : nil
    }

    /// Whether the line's word is level word `word` in any case.
    private func spells(_ word: Int, _ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let bytes = levelBytes[word]
        guard bytes.count == end - start else { return false }
        for offset in 0..<bytes.count {
            let byte = line[start + offset]
            if (ByteClass.isLetter(byte) ? byte & ~0x20 : byte) != bytes[offset] { return false }
        }
        return true
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
        guard end - start >= 5, line[end - 1] == UInt8(ascii: "n") || line[end - 1] == UInt8(ascii: "r") else {
            return false
        }
        return endsWith(line, start, end, "Exception") || endsWith(line, start, end, "Error")
    }

    private func endsWith(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ suffix: StaticString) -> Bool
    {
        suffix.withUTF8Buffer { suffix in
            guard end - start >= suffix.count else { return false }
            for offset in 0..<suffix.count where line[end - suffix.count + offset] != suffix[offset] { return false }
            return true
        }
    }

    private func matches(_ marker: [UInt8], in line: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard start + marker.count <= line.count else { return false }
        for offset in 0..<marker.count where line[start + offset] != marker[offset] { return false }
        return true
    }
}
