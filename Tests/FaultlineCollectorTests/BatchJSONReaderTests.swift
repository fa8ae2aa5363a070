import FaultlineCollector
import FaultlineCore
import Foundation
import Testing

/// The collector reads batches with its own JSON reader: it must read what agents write exactly as
/// Foundation's `JSONDecoder` does, and refuse what is not a batch with a message naming the field or byte.
@Suite struct BatchJSONReaderTests {
    static let decoder = BatchDecoder(maximumBytes: 1 << 20)
    static let now = TestBatches.time(60)

    static func read(_ json: [UInt8]) throws(BatchRejection) -> Batch {
        try decoder.decode(json, contentEncoding: nil, receivedAt: now)
    }

    static func message(_ json: String) -> String? {
        message(Array(json.utf8))
    }

    /// Text an agent may well send: every JSON escape, C0 and C1 controls, non-ASCII, emoji, a NUL.
    static let hostile =
        "quote \" backslash \\ slash / \u{0} \u{1} \u{8} \u{c} \n \r \t \u{1b}[31m \u{7f} \u{85} \u{9b} é 日本 🔥 \u{FEFF}"

    static func batch(_ text: String) -> Batch {
        var group = TestBatches.group("session closed for user alice", samples: 3)
        group.samples[0].text = text
        group.samples[1].cursor = nil
        group.samples[1].position = text
        group.source = Batch.Source(kind: "file", path: "/var/log/\(text).log", app: text)
        var batch = TestBatches.batch("1", groups: [group, TestBatches.group("disk /dev/sda1 is full", count: 7)])
        batch.agent.bootID = nil
        batch.health.spoolBytes = 123_456_789_012
        return batch
    }

    @Test func readsWhatTheAgentAndJSONEncoderWrite() throws {
        for text in [Self.hostile, "", "plain"] {
            let batch = Self.batch(text)
            #expect(try Self.read(batch.jsonBytes()) == batch)
            let encoded = Array(try JSONEncoder().encode(batch))
            #expect(try Self.read(encoded) == batch)
            #expect(try Self.read(encoded) == (try JSONDecoder().decode(Batch.self, from: Data(encoded))))
        }
    }

    /// Strings are scanned eight bytes at a time: a byte that needs a look must be found at any offset.
    @Test func findsQuotesEscapesControlsAndNonASCIIAtEveryOffset() throws {
        for special in ["\"", "\\", "\n", "\u{1}", "\u{7f}", "é", "🔥"] {
            for offset in 0..<17 {
                let text = String(repeating: "a", count: offset) + special + "bcdefghijklmnopq"
                let batch = Self.batch(text)
                let encoded = Array(try JSONEncoder().encode(batch))
                #expect(try Self.read(encoded) == batch, "\(special.debugDescription) after \(offset) bytes")
            }
        }
    }

    @Test func decodesEscapesSurrogatePairsAndSkipsUnknownKeys() throws {
        var json = String(decoding: try TestBatches.json(Self.batch("x")), as: UTF8.self)
        json = json.replacingOccurrences(of: #""text":"x""#, with: #""text":"caf\u00e9 \ud83d\udd25 \/ \"q\"""#)
        json = json.replacingOccurrences(
            of: #""batch_id""#,
            with: #""future":{"a":[1,-2.5e3,true,false,null,{"b":"\u0041"}],"c":""}, "batch_id""#)
        let batch = try Self.read(Array(json.utf8))
        #expect(batch.groups[0].samples[0].text == "café 🔥 / \"q\"")
        #expect(batch.batchID == Self.batch("x").batchID)
    }

    @Test func optionalFieldsMayBeNullOrAbsent() throws {
        var json = String(decoding: try TestBatches.json(Self.batch("x")), as: UTF8.self)
        json = json.replacingOccurrences(of: #""host":"web-1""#, with: #""host":"web-1","boot_id":null"#)
        #expect(try Self.read(Array(json.utf8)).agent.bootID == nil)
    }

    @Test(arguments: [
        ("[]", "the batch: expected an object"),
        ("", "the body is not valid JSON: the text ends where a value should be at byte 0"),
        (#"{"schema": 1,"#, "the body is not valid JSON: expected a key in quotes at byte 13"),
        (#"{"schema": 1} x"#, "the body is not valid JSON: unexpected text after the batch at byte 14"),
        (#"{"schema": 1}"#, "batch_id: missing"),
        (#"{"schema": "1"}"#, "schema: expected an integer"),
        (#"{"schema": 1.0}"#, "schema: expected an integer"),
        (#"{"schema": 01}"#, "the body is not valid JSON: a number has a leading zero at byte 13"),
        (#"{"schema": 99999999999999999999}"#, "schema: the number does not fit in an integer"),
        (#"{"schema": null}"#, "schema: expected an integer, found null"),
        (#"{"sch\u0065ma": "1"}"#, "schema: expected an integer"),
        (#"{"wïndow": 5, "schema": "1"}"#, "schema: expected an integer"),
        (#"{"batch_id": 7}"#, "batch_id: expected a string"),
        (#"{"agent": {"id": "a", "host": null}}"#, "agent.host: expected a string, found null"),
        (#"{"agent": {"id": "a", "version": "1"}}"#, "agent.host: missing"),
        (#"{"window": {"start": "yesterday"}}"#, "window.start: 'yesterday' is not an ISO 8601 UTC time"),
        (#"{"window": {"start": 5}}"#, "window.start: expected an ISO 8601 UTC time as a string"),
        (#"{"groups": {}}"#, "groups: expected an array"),
        (#"{"groups": [{"count": "3"}]}"#, "groups[0].count: expected an integer"),
        (#"{"groups": [{"c\u006funt": "3"}]}"#, "groups[0].count: expected an integer"),
        (
            #"{"window": {"start": "2026-01-01T00:00:00Zé"}}"#,
            "window.start: '2026-01-01T00:00:00Zé' is not an ISO 8601 UTC time"
        ),
        (#"{"groups": [{"source": {"kind": "file", "path": 3}}]}"#, "groups[0].source.path: expected a string"),
        (
            #"{"groups": [{"samples": [{"time": null}]}]}"#,
            "groups[0].samples[0].time: expected an ISO 8601 UTC time as a string, found null"
        ),
        (
            #"{"batch_id": "a\u0000b\ud800"}"#,
            "the body is not valid JSON: a \\u escape has half a surrogate pair at byte 28"
        ),
        (
            "{\"batch_id\": \"a\tb\"}",
            "the body is not valid JSON: a control character must be escaped in a string at byte 15"
        ),
        (#"{"batch_id": "a\qb"}"#, "the body is not valid JSON: unknown escape in a string at byte 17"),
        (#"{"batch_id": "ab}"#, "the body is not valid JSON: a string is not closed at byte 13"),
        (#"{"x": tru}"#, "the body is not valid JSON: expected a value at byte 6"),
        (#"{"x": [1 2]}"#, "the body is not valid JSON: expected ',' or ']' at byte 9"),
        (
            String(repeating: #"{"x": ["#, count: 40),
            "the body is not valid JSON: nested more than 64 levels deep at byte 224"
        ),
    ])
    func namesWhatIsWrong(json: String, message: String) {
        #expect(Self.message(json) == message)
    }

    @Test func refusesInvalidUTF8() {
        var bytes = Array(#"{"batch_id": "ab"}"#.utf8)
        bytes[15] = 0xff
        #expect(Self.message(bytes) == "the body is not valid JSON: a string is not valid UTF-8 at byte 14")
        var escaped = Array(#"{"batch_id": "\na"}"#.utf8)
        escaped[16] = 0xc3
        #expect(Self.message(escaped) == "the body is not valid JSON: a string is not valid UTF-8 at byte 14")
        var key = Array(#"{"ab": 1}"#.utf8)
        key[3] = 0xe9
        #expect(Self.message(key) == "the body is not valid JSON: a string is not valid UTF-8 at byte 2")
    }

    static func message(_ bytes: [UInt8]) -> String? {
        do {
            _ = try read(bytes)
            return nil
        } catch {
            return error.message
        }
    }
}
