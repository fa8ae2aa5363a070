/// The v1 wire format written by hand, so that the agent encodes batches without a Foundation `JSONEncoder`
/// (which would link `FoundationEssentials` into the agent: megabytes of binary and resident memory).
///
/// The output is what `JSONEncoder` makes of the `Codable` conformance (the collector and the tests decode it
/// with `JSONDecoder`): the same snake_case keys, `nil` optionals left out, timestamps as ISO 8601 strings.
/// Strings are escaped by ``EscapedText/appendJSON(_:to:)``: log lines are hostile input.
extension Batch {
    /// The batch as compact JSON (UTF-8).
    public func jsonBytes() -> [UInt8] {
        var json = JSONWriter(capacity: 512 + groups.count * 512)
        json.beginObject()
        json.number("schema", schema)
        json.string("batch_id", batchID)
        json.key("agent")
        json.beginObject()
        json.string("id", agent.id)
        json.string("host", agent.host)
        json.string("version", agent.version)
        json.string("boot_id", agent.bootID)
        json.endObject()
        json.key("window")
        json.beginObject()
        json.string("start", window.start.description)
        json.string("end", window.end.description)
        json.endObject()
        json.key("groups")
        json.beginArray()
        for group in groups { group.write(to: &json) }
        json.endArray()
        json.key("health")
        json.beginObject()
        json.number("lines_read", health.linesRead)
        json.number("errors_seen", health.errorsSeen)
        json.number("lines_lost", health.linesLost)
        json.number("spool_bytes", health.spoolBytes)
        json.endObject()
        json.endObject()
        return json.bytes
    }
}

extension Batch.Group {
    /// The group as compact JSON (UTF-8): what it adds to a batch's `groups` array, less the comma.
    public func jsonBytes() -> [UInt8] {
        var json = JSONWriter(capacity: 512)
        write(to: &json)
        return json.bytes
    }

    fileprivate func write(to json: inout JSONWriter) {
        json.beginObject()
        json.string("fingerprint", fingerprint)
        json.number("algorithm", algorithm)
        json.string("template", template)
        json.key("source")
        json.beginObject()
        json.string("kind", source.kind)
        json.string("unit", source.unit)
        json.string("identifier", source.identifier)
        json.string("path", source.path)
        json.string("app", source.app)
        json.endObject()
        json.string("severity", severity)
        json.number("count", count)
        json.string("first_seen", firstSeen.description)
        json.string("last_seen", lastSeen.description)
        json.key("samples")
        json.beginArray()
        for sample in samples {
            json.beginObject()
            json.string("time", sample.time.description)
            json.string("text", sample.text)
            json.string("cursor", sample.cursor)
            json.string("position", sample.position)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}

/// Compact JSON written into a byte buffer, member by member. A comma goes before any member or element
/// that follows a value; keys are the wire format's own constants, never escaped.
private struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var followsValue = false

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Starts a member whose value comes next.
    mutating func key(_ name: StaticString) {
        if followsValue { bytes.append(UInt8(ascii: ",")) }
        followsValue = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A string member; nothing at all for `nil`, as `JSONEncoder` leaves out a `nil` optional.
    mutating func string(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        EscapedText.appendJSON(value, to: &bytes)
        followsValue = true
    }

    /// An integer member.
    mutating func number(_ name: StaticString, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
        followsValue = true
    }

    private mutating func open(_ bracket: UInt8) {
        if followsValue { bytes.append(UInt8(ascii: ",")) }
        bytes.append(bracket)
        followsValue = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        followsValue = true
    }
}
