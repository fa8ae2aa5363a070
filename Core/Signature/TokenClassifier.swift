/// Recognises a whole token as one kind of variable: URL, UUID, time, IP, number, duration, size,
/// e-mail, path, hex string or boolean. Works on a byte range; never allocates.
struct TokenClassifier {
    let bytes: UnsafeBufferPointer<UInt8>

    /// What one pass over a token tells: which characters it holds, so that only the plausible classes
    /// are tried and the token is never scanned once per delimiter.
    struct Shape {
        var digits = 0
        var colons = 0
        var ats = 0
        var firstEquals: Int? = nil
        var hasScheme = false
        /// Bit `i` is set when ``LineTemplater/delimiters``[i] occurs.
        var delimiters: UInt16 = 0
    }

    /// Bit of each split point, in the order ``LineTemplater`` tries them: `, ; | ( [ { } ] ) " :`.
    @inline(__always) static func delimiterBit(_ byte: UInt8) -> UInt16 {
        switch byte {
        case UInt8(ascii: ","): 1 << 0
        case UInt8(ascii: ";"): 1 << 1
        case UInt8(ascii: "|"): 1 << 2
        case UInt8(ascii: "("): 1 << 3
        case UInt8(ascii: "["): 1 << 4
        case UInt8(ascii: "{"): 1 << 5
        case UInt8(ascii: "}"): 1 << 6
        case UInt8(ascii: "]"): 1 << 7
        case UInt8(ascii: ")"): 1 << 8
        case UInt8(ascii: "\""): 1 << 9
        case UInt8(ascii: ":"): 1 << 10
        default: 0
        }
    }

    /// What ``scan(_:_:)`` found: where the token ends, its first quote character, and its shape.
    struct Scan {
        var end: Int
        /// The index of the first `"` or `'`, or -1.
        var quote = -1
        /// How many bytes are ASCII punctuation: none means letters (or non-ASCII bytes) and digits alone.
        var punctuation = 0
        var shape = Shape()
    }

    /// Reads the token that starts at `start`, up to the first separator or `end`, in one pass.
    @inline(__always) func scan(_ start: Int, _ end: Int) -> Scan {
        var scan = Scan(end: start)
        var index = start
        let kinds = ByteClass.kinds.utf8Start
        while true {
            // Letters (and non-ASCII bytes) need no work: a tight loop skips them.
            while index < end, kinds[Int(bytes[index])] == ByteClass.plain { index += 1 }
            guard index < end else { break }
            let byte = bytes[index]
            let kind = kinds[Int(byte)]
            if kind == ByteClass.digit {
                scan.shape.digits &+= 1
            } else if kind == ByteClass.separator {
                break
            } else {
                scan.punctuation &+= 1
                if scan.quote < 0, byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { scan.quote = index }
                note(byte, at: index, end, into: &scan.shape)
            }
            index += 1
        }
        scan.end = index
        return scan
    }

    /// Adds ASCII punctuation `byte`, at `index` of a token that ends at or before `end`, to `shape`.
    @inline(__always) private func note(_ byte: UInt8, at index: Int, _ end: Int, into shape: inout Shape) {
        shape.delimiters |= Self.delimiterBit(byte)
        switch byte {
        case UInt8(ascii: ":"):
            shape.colons &+= 1
            // The slashes are no separators, so they belong to the same token as the colon.
            if index + 2 < end, bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/") {
                shape.hasScheme = true
            }
        case UInt8(ascii: "@"): shape.ats &+= 1
        case UInt8(ascii: "="): if shape.firstEquals == nil { shape.firstEquals = index }
        default: break
        }
    }

    /// The shape of `bytes[start..<end]`, a token or part of one (no separators in it).
    func shape(_ start: Int, _ end: Int) -> Shape {
        scan(start, end).shape
    }

    /// The placeholder for `bytes[start..<end]`, or `nil` when the token is not one variable.
    func classify(_ start: Int, _ end: Int) -> Placeholder? {
        classify(start, end, shape(start, end))
    }

    /// The placeholder for `bytes[start..<end]` whose ``Shape`` is known.
    func classify(_ start: Int, _ end: Int, _ shape: Shape) -> Placeholder? {
        guard start < end else { return nil }
        let first = bytes[start]
        let length = end - start
        if shape.hasScheme { return .url }
        if length == 36, isUUID(start, end) { return .uuid }
        // Digits alone are a number: too many for a time or an IPv4 part, and no `0x`.
        if shape.digits == length { return .number }
        if ByteClass.isDigit(first) || (first == UInt8(ascii: "-") || first == UInt8(ascii: "+")) {
            if isTime(start, end) { return .time }
            if isIPv4(start, end) { return .ip }
            if isNumber(start, end) { return .number }
            if let unitStart = numberPrefixEnd(start, end) {
                if let unit = Words.packed(bytes.baseAddress!, unitStart, end) {
                    if Words.isDuration(unit) { return .duration }
                    if Words.isSize(unit) { return .size }
                }
            }
        }
        if shape.colons >= 2, isIPv6(start, end) { return .ip }
        if shape.ats == 1, isEmail(start, end) { return .email }
        if first == UInt8(ascii: "/") || first == UInt8(ascii: ".") || first == UInt8(ascii: "~") || shape.colons > 0,
            isPath(start, end)
        {
            return .path
        }
        if length >= 8, shape.digits > 0, isHexString(start, end) { return .hex }
        if length >= 3, length <= 5, isBool(start, end) { return .bool }
        return nil
    }

    /// `8-4-4-4-12` hex digits.
    func isUUID(_ start: Int, _ end: Int) -> Bool {
        guard end - start == 36 else { return false }
        for offset in 0..<36 {
            let byte = bytes[start + offset]
            switch offset {
            case 8, 13, 18, 23: if byte != UInt8(ascii: "-") { return false }
            default: if !ByteClass.isHexDigit(byte) { return false }
            }
        }
        return true
    }

    /// Reads digits from `index`; returns the index after them and how many there were.
    private func digits(_ index: Int, _ end: Int) -> (end: Int, count: Int) {
        var cursor = index
        while cursor < end, ByteClass.isDigit(bytes[cursor]) { cursor += 1 }
        return (cursor, cursor - index)
    }

    /// `hh:mm`, `hh:mm:ss`, `hh:mm:ss.fff` (or `,fff`); from `index`, returns the end of the match.
    private func clock(_ index: Int, _ end: Int) -> Int? {
        let hours = digits(index, end)
        guard hours.count >= 1, hours.count <= 2, hours.end < end, bytes[hours.end] == UInt8(ascii: ":") else {
            return nil
        }
        let minutes = digits(hours.end + 1, end)
        guard minutes.count == 2 else { return nil }
        var cursor = minutes.end
        if cursor < end, bytes[cursor] == UInt8(ascii: ":") {
            let seconds = digits(cursor + 1, end)
            guard seconds.count == 2 else { return nil }
            cursor = seconds.end
            if cursor < end, bytes[cursor] == UInt8(ascii: ".") || bytes[cursor] == UInt8(ascii: ",") {
                let fraction = digits(cursor + 1, end)
                if fraction.count > 0 { cursor = fraction.end }
            }
        }
        return cursor
    }

    /// `yyyy-mm-dd`, `yyyy/mm/dd`, `yyyy.mm.dd`, `dd-mm-yyyy` and the like; returns the end of the match.
    private func date(_ index: Int, _ end: Int) -> Int? {
        let first = digits(index, end)
        guard first.count >= 1, first.count <= 4, first.end < end else { return nil }
        let separator = bytes[first.end]
        guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") || separator == UInt8(ascii: ".") else {
            return nil
        }
        let second = digits(first.end + 1, end)
        guard second.count >= 1, second.count <= 2, second.end < end, bytes[second.end] == separator else {
            return nil
        }
        let third = digits(second.end + 1, end)
        guard third.count >= 1, third.count <= 4, first.count == 4 || third.count == 4 else { return nil }
        return third.end
    }

    /// A clock time, a date, or an ISO 8601 date-time with optional zone.
    func isTime(_ start: Int, _ end: Int) -> Bool {
        if let after = clock(start, end) {
            return after == end || isZone(after, end)
        }
        guard let after = date(start, end) else { return false }
        if after == end { return true }
        let joiner = bytes[after]
        guard joiner == UInt8(ascii: "T") || joiner == UInt8(ascii: "_") || joiner == UInt8(ascii: ":"),
            let timeEnd = clock(after + 1, end)
        else { return false }
        return timeEnd == end || isZone(timeEnd, end)
    }

    /// `Z`, `+hh:mm`, `-hhmm`.
    private func isZone(_ index: Int, _ end: Int) -> Bool {
        let sign = bytes[index]
        if sign == UInt8(ascii: "Z") { return index + 1 == end }
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return false }
        var cursor = index + 1
        var count = 0
        while cursor < end {
            let byte = bytes[cursor]
            if ByteClass.isDigit(byte) {
                count += 1
            } else if byte != UInt8(ascii: ":") {
                return false
            }
            cursor += 1
        }
        return count == 2 || count == 4
    }

    /// `a.b.c.d` with an optional `:port`.
    func isIPv4(_ start: Int, _ end: Int) -> Bool {
        var cursor = start
        for part in 0..<4 {
            let run = digits(cursor, end)
            guard run.count >= 1, run.count <= 3 else { return false }
            cursor = run.end
            if part < 3 {
                guard cursor < end, bytes[cursor] == UInt8(ascii: ".") else { return false }
                cursor += 1
            }
        }
        if cursor == end { return true }
        guard bytes[cursor] == UInt8(ascii: ":") else { return false }
        let port = digits(cursor + 1, end)
        return port.count > 0 && port.end == end
    }

    /// At least two colons, nothing but hex digits, colons and dots (IPv6, MAC addresses).
    func isIPv6(_ start: Int, _ end: Int) -> Bool {
        var colons = 0
        var hex = 0
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") {
                colons += 1
            } else if ByteClass.isHexDigit(byte) {
                hex += 1
            } else if byte != UInt8(ascii: ".") {
                return false
            }
            index += 1
        }
        return colons >= 2 && hex > 0
    }

    /// Integers, decimals (one dot), thousands commas, a sign, `0x` hex.
    func isNumber(_ start: Int, _ end: Int) -> Bool {
        var index = start
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        guard index < end else { return false }
        if end - index > 2, bytes[index] == UInt8(ascii: "0"), bytes[index + 1] | 0x20 == UInt8(ascii: "x") {
            var cursor = index + 2
            while cursor < end, ByteClass.isHexDigit(bytes[cursor]) { cursor += 1 }
            return cursor == end
        }
        return numberPrefixEnd(start, end) == end
    }

    /// The end of a leading decimal number (sign, digits, at most one dot, thousands commas), if any.
    func numberPrefixEnd(_ start: Int, _ end: Int) -> Int? {
        var index = start
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        var sawDigit = false
        var dots = 0
        while index < end {
            let byte = bytes[index]
            if ByteClass.isDigit(byte) {
                sawDigit = true
            } else if byte == UInt8(ascii: ".") {
                dots += 1
                if dots > 1 { return nil }
            } else if byte != UInt8(ascii: ",") {
                break
            }
            index += 1
        }
        guard sawDigit else { return nil }
        let last = bytes[index - 1]
        return last == UInt8(ascii: ".") || last == UInt8(ascii: ",") ? nil : index
    }

    /// `local@domain.tld`.
    func isEmail(_ start: Int, _ end: Int) -> Bool {
        var at = -1
        var index = start
        while index < end {
            if bytes[index] == UInt8(ascii: "@") {
                if at >= 0 { return false }
                at = index
            }
            index += 1
        }
        guard at > start, at + 1 < end, bytes[at + 1] != UInt8(ascii: ".") else { return false }
        index = at + 1
        while index < end {
            if bytes[index] == UInt8(ascii: ".") { return true }
            index += 1
        }
        return false
    }

    /// Absolute paths, `./`, `../`, `~/`, and Windows `C:\`.
    func isPath(_ start: Int, _ end: Int) -> Bool {
        let length = end - start
        let first = bytes[start]
        if first == UInt8(ascii: "/") { return length > 1 }
        if length > 2, first == UInt8(ascii: "."), bytes[start + 1] == UInt8(ascii: "/") { return true }
        if length > 3, first == UInt8(ascii: "."), bytes[start + 1] == UInt8(ascii: "."),
            bytes[start + 2] == UInt8(ascii: "/")
        {
            return true
        }
        if length > 2, first == UInt8(ascii: "~"), bytes[start + 1] == UInt8(ascii: "/") { return true }
        return length > 3 && ByteClass.isLetter(first) && bytes[start + 1] == UInt8(ascii: ":")
            && bytes[start + 2] == UInt8(ascii: "\\")
    }

    /// At least 8 hex digits, one of them a decimal digit.
    func isHexString(_ start: Int, _ end: Int) -> Bool {
        guard end - start >= 8 else { return false }
        var sawDigit = false
        var index = start
        while index < end {
            let byte = bytes[index]
            guard ByteClass.isHexDigit(byte) else { return false }
            if ByteClass.isDigit(byte) { sawDigit = true }
            index += 1
        }
        return sawDigit
    }

    /// `true`, `false`, `null`, `nil`, `none`, any case.
    func isBool(_ start: Int, _ end: Int) -> Bool {
        // Their first two letters, `tr fa nu ni no`, any case: setting bit 5 lower-cases a letter and makes no
        // other byte one.
        switch UInt16(bytes[start] | 0x20) << 8 | UInt16(bytes[start + 1] | 0x20) {
        case 0x7472, 0x6661, 0x6e75, 0x6e69, 0x6e6f: break
        default: return false
        }
        return Words.packed(bytes.baseAddress!, start, end).map(Words.isBoolean) ?? false
    }
}
