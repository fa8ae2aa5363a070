import FaultlineCore

/// Reads a v1 batch from its JSON text, by hand: the collector's hottest code after the database.
///
/// Foundation's `JSONDecoder` builds a map of the whole document and then walks it through the `Decodable`
/// machinery; for a batch of 50 groups that was about a third of the collector's CPU. This reader goes through
/// the bytes once, straight into ``Batch``, and says what is wrong in the same words ``BatchDecoder`` gave for
/// `JSONDecoder`'s errors: `groups[3].count: expected an integer`, `agent.host: missing`,
/// `window.end: expected a string, found null`, or `the body is not valid JSON: ...` with the byte offset.
/// Keys it does not know are skipped (their values must still be valid JSON); optional fields may be absent
/// or `null`. Strings must be valid UTF-8, with JSON's escapes (surrogate pairs included).
struct BatchJSONReader {
    /// Why a body is not a batch: the message names the field or the byte at fault.
    struct Failure: Error {
        var message: String
    }

    /// Reads the batch in `json`.
    static func batch(from json: [UInt8]) throws(Failure) -> Batch {
        do {
            return try json.withUnsafeBufferPointer { buffer in
                var reader = BatchJSONReader(bytes: buffer)
                do {
                    let batch = try reader.readBatch()
                    try reader.expectEnd()
                    return batch
                } catch {
                    // A body that is not JSON at all says so, whatever field came first.
                    var checker = BatchJSONReader(bytes: buffer)
                    do {
                        try checker.skipValue()
                        try checker.expectEnd()
                    } catch let syntax {
                        throw syntax
                    }
                    throw error
                }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(message: "the body is not a batch: \(error)")
        }
    }

    private mutating func expectEnd() throws(Failure) {
        skipWhitespace()
        guard index == bytes.count else { throw syntaxError("unexpected text after the batch") }
    }

    private enum Component {
        case key(Key)
        case index(Int)
    }

    /// An object's key, matched against the names the reader knows without making a `String` of it.
    ///
    /// `bytes` are the key's UTF-8 between its quotes, in the body or in a static string; a key written with
    /// escapes is decoded first, into `decoded`.
    private struct Key {
        var bytes: UnsafeBufferPointer<UInt8>
        var decoded: String?

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        init(decoded: String) {
            bytes = UnsafeBufferPointer(start: nil, count: 0)
            self.decoded = decoded
        }

        init(_ name: StaticString) {
            bytes = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        }

        var text: String { decoded ?? String(decoding: bytes, as: UTF8.self) }

        static func ~= (name: StaticString, key: Key) -> Bool {
            let known = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
            if let decoded = key.decoded { return decoded.utf8.elementsEqual(known) }
            return key.bytes.count == known.count && key.bytes.elementsEqual(known)
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var path: [Component] = []
    private var depth = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: The batch's types

    private mutating func readBatch() throws(Failure) -> Batch {
        var schema: Int?
        var batchID: String?
        var agent: Batch.Agent?
        var window: Batch.Window?
        var groups: [Batch.Group]?
        var health: Batch.Health?
        try readObject { (reader: inout BatchJSONReader, key: Key) throws(Failure) in
            switch key {
            case "schema": schema = try reader.readInteger()
            case "batch_id": batchID = try reader.readString()
            case "agent": agent = try reader.readAgent()
            case "window": window = try reader.readWindow()
            case "groups":
                groups = try reader.readArray { (reader: inout BatchJSONReader) throws(Failure) in
                    try reader.readGroup()
                }
            case "health": health = try reader.readHealth()
            default: try reader.skipValue()
            }
        }
        let schemaRead = try required(schema, "schema")
        var batch = Batch(
            batchID: try required(batchID, "batch_id"), agent: try required(agent, "agent"),
            window: try required(window, "window"), groups: try required(groups, "groups"),
            health: try required(health, "health"))
        batch.schema = schemaRead
        return batch
    }

    private mutating func readAgent() throws(Failure) -> Batch.Agent {
        var id: String?
        var host: String?
        var version: String?
        var bootID: String?
        try readObject { (reader: inout BatchJSONReader, key: Key) throws(Failure) in
            switch key {
            case "id": id = try reader.readString()
            case "host": host = try reader.readString()
            case "version": version = try reader.readString()
            case "boot_id": bootID = try reader.readOptionalString()
            default: try reader.skipValue()
            }
        }
        return Batch.Agent(
            id: try required(id, "id"), host: try required(host, "host"), version: try required(version, "version"),
            bootID: bootID)
    }

    private mutating func readWindow() throws(Failure) -> Batch.Window {
        var start: WireTimestamp?
        var end: WireTimestamp?
        try readObject { (reader: inout BatchJSONReader, key: Key) throws(Failure) in
            switch key {
            case "start": start = try reader.readTimestamp()
            case "end": end = try reader.readTimestamp()
            default: try reader.skipValue()
            }
        }
        return Batch.Window(start: try required(start, "start"), end: try required(end, "end"))
    }

    private mutating func readSource() throws(Failure) -> Batch.Source {
        var kind: String?
        var unit: String?
        var identifier: String?
        var path: String?
        var app: String?
        try readObject { (reader: inout BatchJSONReader, key: Key) throws(Failure) in
            switch key {
            case "kind": kind = try reader.readString()
            case "unit": unit = try reader.readOptionalString()
            case "identifier": identifier = try reader.readOptionalString()
            case "path": path = try reader.readOptionalString()
            case "app": app = try reader.readOptionalString()
            default: try reader.skipValue()
            }
        }
        return Batch.Source(kind: try required(kind, "kind"), unit: unit, identifier: identifier, path: path, app: app)
    }

    private mutating func readGroup() throws(Failure) -> Batch.Group {
        var fingerprint: String?
        var algorithm: Int?
        var template: String?
        var source: Batch.Source?
        var severity: String?
        var count: Int?
        var firstSeen: WireTimestamp?
        var lastSeen: WireTimestamp?
        var samples: [Batch.Sample]?
        try readObject { (reader: inout BatchJSONReader, key: Key) throws(Failure) in
            switch key {
            case "fingerprint": fingerprint = try reader.readString()
            case "algorithm": algorithm = try reader.readInteger()
            case "template": template = try reader.readString()
            case "source": source = try reader.readSource()
            case "severity": severity = try reader.readString()
            case "count": count = try reader.readInteger()
            case "first_seen": firstSeen = try reader.readTimestamp()
            case "last_seen": lastSeen = try reader.readTimestamp()
            case "samples":
                samples = try reader.readArray { (reader: inout BatchJSONReader) throws(Failure) in
                    try reader.readSample()
                }
            default: try reader.skipValue()
            }
        }
        return Batch.Group(
            fingerprint: try required(fingerprint, "fingerprint"), algorithm: try required(algorithm, "algorithm"),
            template: try required(template, "template"), source: try required(source, "source"),
            severity: try required(severity, "severity"), count: try required(count, "count"),
            firstSeen: try required(firstSeen, "first_seen"), lastSeen: try required(lastSeen, "last_seen"),
            samples: try required(samples, "samples"))
    }

    private mutating func readSample() throws(Failure) -> Batch.Sample {
        var time: WireTimestamp?
        var text: String?
        var cursor: String?
        var position: String?
        try readObject { (reader: inout BatchJSONReader, key: Key) throws(Failure) in
            switch key {
            case "time": time = try reader.readTimestamp()
            case "text": text = try reader.readString()
            case "cursor": cursor = try reader.readOptionalString()
            case "position": position = try reader.readOptionalString()
            default: try reader.skipValue()
            }
        }
        return Batch.Sample(
            time: try required(time, "time"), text: try required(text, "text"), cursor: cursor, position: position)
    }

    private mutating func readHealth() throws(Failure) -> Batch.Health {
        var linesRead: Int?
        var errorsSeen: Int?
        var linesLost: Int?
        var spoolBytes: Int?
        try readObject { (reader: inout BatchJSONReader, key: Key) throws(Failure) in
            switch key {
            case "lines_read": linesRead = try reader.readInteger()
            case "errors_seen": errorsSeen = try reader.readInteger()
            case "lines_lost": linesLost = try reader.readInteger()
            case "spool_bytes": spoolBytes = try reader.readInteger()
            default: try reader.skipValue()
            }
        }
        return Batch.Health(
            linesRead: try required(linesRead, "lines_read"), errorsSeen: try required(errorsSeen, "errors_seen"),
            linesLost: try required(linesLost, "lines_lost"), spoolBytes: try required(spoolBytes, "spool_bytes"))
    }

    /// `value`, or the error that `key` of the object being read is missing.
    private func required<Value>(_ value: Value?, _ key: StaticString) throws(Failure) -> Value {
        guard let value else { throw Failure(message: "\(describe(path + [.key(Key(key))])): missing") }
        return value
    }

    // MARK: JSON values

    private mutating func readObject(
        _ member: (inout BatchJSONReader, Key) throws(Failure) -> Void
    ) throws(Failure) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw mismatch("an object") }
        try enter()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw syntaxError("expected a key in quotes")
            }
            let key = try readKey()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw syntaxError("expected ':'") }
            index += 1
            path.append(.key(key))
            try member(&self, key)
            path.removeLast()
            skipWhitespace()
            guard index < bytes.count else { throw syntaxError("the object is not closed") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return
            } else {
                throw syntaxError("expected ',' or '}'")
            }
        }
    }

    private mutating func readArray<Element>(
        _ element: (inout BatchJSONReader) throws(Failure) -> Element
    ) throws(Failure) -> [Element] {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { throw mismatch("an array") }
        try enter()
        index += 1
        var elements: [Element] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return elements
        }
        while true {
            path.append(.index(elements.count))
            elements.append(try element(&self))
            path.removeLast()
            skipWhitespace()
            guard index < bytes.count else { throw syntaxError("the array is not closed") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return elements
            } else {
                throw syntaxError("expected ',' or ']'")
            }
        }
    }

    private mutating func readString() throws(Failure) -> String {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw mismatch("a string") }
        return try readStringLiteral()
    }

    private mutating func readOptionalString() throws(Failure) -> String? {
        skipWhitespace()
        if try readNull() { return nil }
        return try readString()
    }

    private mutating func readTimestamp() throws(Failure) -> WireTimestamp {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw mismatch("an ISO 8601 UTC time as a string")
        }
        let start = index + 1
        let time: WireTimestamp?
        let text: String
        if let plain = try readPlainStringLiteral() {
            // A time is ASCII; anything else is read only to be named in the error.
            time = plain.ascii ? WireTimestamp(iso8601UTF8: plain.bytes) : nil
            text = time == nil ? try string(plain.bytes, ascii: plain.ascii, at: start) : ""
        } else {
            text = try readEscapedStringLiteral()
            time = WireTimestamp(iso8601: text)
        }
        guard let time else {
            throw Failure(message: "\(describe(path)): '\(text)' is not an ISO 8601 UTC time")
        }
        return time
    }

    private mutating func readInteger() throws(Failure) -> Int {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "-") || (0x30...0x39).contains(bytes[index]) else {
            throw mismatch("an integer")
        }
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var value = 0
        var digits = 0
        var overflow = false
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(bytes[index] - 0x30))
            overflow = overflow || o1 || o2
            value = sum
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw syntaxError("expected digits after '-'") }
        if digits > 1, bytes[negative ? start + 1 : start] == 0x30 { throw syntaxError("a number has a leading zero") }
        if index < bytes.count,
            bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e")
        {
            index = start
            try skipNumber()
            throw Failure(message: "\(describe(path)): expected an integer")
        }
        if overflow { throw Failure(message: "\(describe(path)): the number does not fit in an integer") }
        return negative ? -value : value
    }

    /// Reads a `null` if one is next.
    private mutating func readNull() throws(Failure) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// The error for a value of the wrong type where `expected` was wanted.
    private mutating func mismatch(_ expected: String) -> Failure {
        guard index < bytes.count else { return syntaxError("the text ends where a value should be") }
        if bytes[index] == UInt8(ascii: "n"), (try? literal("null")) != nil {
            return Failure(message: "\(describe(path)): expected \(expected), found null")
        }
        let start = index
        do {
            try skipValue()
            return Failure(message: "\(describe(path)): expected \(expected)")
        } catch {
            index = start
            return syntaxError("expected a value")
        }
    }

    /// Reads a string literal starting at the opening quote: escapes decoded, UTF-8 checked.
    private mutating func readStringLiteral() throws(Failure) -> String {
        let start = index + 1
        if let plain = try readPlainStringLiteral() { return try string(plain.bytes, ascii: plain.ascii, at: start) }
        return try readEscapedStringLiteral()
    }

    /// Reads an object's key, starting at its opening quote.
    private mutating func readKey() throws(Failure) -> Key {
        let start = index + 1
        guard let plain = try readPlainStringLiteral() else { return Key(decoded: try readEscapedStringLiteral()) }
        if !plain.ascii { _ = try string(plain.bytes, ascii: false, at: start) }
        return Key(bytes: plain.bytes)
    }

    /// Reads a string literal with no escape in it, starting at the opening quote: its bytes, in the body, and
    /// whether they are all ASCII. `nil`, with nothing read, when the literal has an escape.
    private mutating func readPlainStringLiteral() throws(Failure) -> (bytes: UnsafeBufferPointer<UInt8>, ascii: Bool)?
    {
        let start = index + 1
        var cursor = start
        var high: UInt8 = 0
        // Eight bytes at a time while none of them is a quote, a backslash, a control or non-ASCII.
        let raw = UnsafeRawBufferPointer(bytes)
        while cursor + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: cursor, as: UInt64.self)
            guard !Self.needsALook(word) else { break }
            cursor += 8
        }
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") {
                index = cursor + 1
                return (UnsafeBufferPointer(rebasing: bytes[start..<cursor]), high < 0x80)
            }
            if byte == UInt8(ascii: "\\") { return nil }
            if byte < 0x20 {
                index = cursor
                throw syntaxError("a control character must be escaped in a string")
            }
            high |= byte
            cursor += 1
        }
        throw syntaxError("a string is not closed", at: start - 1)
    }

    /// Whether any of the 8 bytes of `word` is a quote, a backslash, below 0x20 or above 0x7F (SWAR: a byte
    /// `b` below `n` sets the top bit of `b - n` while its own top bit is clear).
    private static func needsALook(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let tops: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ value: UInt64) -> Bool { (value &- ones) & ~value & tops != 0 }
        return word & tops != 0 || (word &- ones &* 0x20) & ~word & tops != 0
            || hasZeroByte(word ^ (ones &* UInt64(UInt8(ascii: "\""))))
            || hasZeroByte(word ^ (ones &* UInt64(UInt8(ascii: "\\"))))
    }

    /// `utf8` as a string, when it is valid UTF-8 (ASCII always is); a literal starting at byte `start`.
    private func string(_ utf8: UnsafeBufferPointer<UInt8>, ascii: Bool, at start: Int) throws(Failure) -> String {
        // Decoding repairs what is not UTF-8, so a repaired string differs from its bytes. `String(validating:)`
        // says the same, through generic code that cost more than the rest of the reader.
        let text = String(decoding: utf8, as: UTF8.self)
        guard ascii || text.utf8.elementsEqual(utf8) else {
            throw syntaxError("a string is not valid UTF-8", at: start)
        }
        return text
    }

    /// Reads a string literal that has escapes, starting at the opening quote.
    private mutating func readEscapedStringLiteral() throws(Failure) -> String {
        index += 1
        let start = index
        var utf8: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try utf8.withUnsafeBufferPointer { (buffer) throws(Failure) in
                    try string(buffer, ascii: false, at: start)
                }
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                if let byte = EscapedText.unescapedJSON(escape) {
                    utf8.append(byte)
                    continue
                }
                guard escape == UInt8(ascii: "u") else { throw syntaxError("unknown escape in a string") }
                var scalar = try readHexQuad()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    else { throw syntaxError("a \\u escape has half a surrogate pair") }
                    index += 2
                    let low = try readHexQuad()
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw syntaxError("a \\u escape has half a surrogate pair")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw syntaxError("a \\u escape has half a surrogate pair")
                }
                UTF8.encode(Unicode.Scalar(scalar)!) { utf8.append($0) }
            default:
                if byte < 0x20 { throw syntaxError("a control character must be escaped in a string") }
                utf8.append(byte)
                index += 1
            }
        }
        throw syntaxError("a string is not closed", at: start - 1)
    }

    private mutating func readHexQuad() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw syntaxError("a \\u escape needs 4 hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = EscapedText.hexValue(bytes[index]) else {
                throw syntaxError("a \\u escape needs 4 hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Skips any JSON value, checking its syntax.
    private mutating func skipValue() throws(Failure) {
        skipWhitespace()
        guard index < bytes.count else { throw syntaxError("the text ends where a value should be") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try readObject { (reader: inout BatchJSONReader, _: Key) throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "["):
            _ = try readArray { (reader: inout BatchJSONReader) throws(Failure) in try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try readStringLiteral()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), 0x30...0x39: try skipNumber()
        default: throw syntaxError("expected a value")
        }
    }

    private mutating func skipNumber() throws(Failure) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ reader: inout BatchJSONReader) throws(Failure) {
            let start = reader.index
            while reader.index < reader.bytes.count, (0x30...0x39).contains(reader.bytes[reader.index]) {
                reader.index += 1
            }
            guard reader.index > start else { throw reader.syntaxError("expected digits in a number") }
        }
        try digits(&self)
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try digits(&self)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            try digits(&self)
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
            (0..<count).allSatisfy({ word.utf8Start[$0] == bytes[index + $0] })
        else { throw syntaxError("expected a value") }
        index += count
    }

    /// Counts one more level of nesting; a body nested deeper than any batch is refused, not recursed into.
    private mutating func enter() throws(Failure) {
        depth += 1
        if depth > 64 { throw syntaxError("nested more than 64 levels deep") }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0a, 0x0d, 0x09: index += 1
            default: return
            }
        }
    }

    private func syntaxError(_ problem: String, at offset: Int? = nil) -> Failure {
        Failure(message: "the body is not valid JSON: \(problem) at byte \(offset ?? index)")
    }

    /// `groups[3].source.unit` for a path.
    private func describe(_ path: [Component]) -> String {
        var text = ""
        for component in path {
            switch component {
            case .index(let index): text += "[\(index)]"
            case .key(let key): text += text.isEmpty ? key.text : ".\(key.text)"
            }
        }
        return text.isEmpty ? "the batch" : text
    }
}
