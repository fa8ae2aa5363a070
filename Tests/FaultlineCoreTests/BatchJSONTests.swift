import FaultlineCore
import Foundation
import Testing

/// The agent writes batches by hand; the collector reads them with Foundation's `JSONDecoder`. Whatever the
/// agent writes must decode to the batch it wrote, and say what `JSONEncoder` would have said.
@Suite struct BatchJSONTests {
    static let hostile = [
        "plain", "", "quote \" backslash \\ slash /", "line\nbreak\r\ttab",
        "NUL \u{0} BEL \u{7} ESC \u{1b}[31m DEL \u{7f}",
        "C1 CSI \u{9b}2J and NEL \u{85}", "é ü 雪 🚀 \u{fffd}", "\u{c2}\u{a0} after a C2 lead", "{\"json\": [1, 2]}",
    ]

    static func batch(texts: [String], optionals: Bool) -> Batch {
        let time = WireTimestamp(microseconds: 1_795_000_000_123_456)
        let groups = texts.enumerated().map { index, text in
            Batch.Group(
                fingerprint: "9f2c4e1a7b3d5f6\(index % 10)", algorithm: 1, template: "tpl <num> \(text)",
                source: optionals
                    ? .init(kind: "journald", unit: "api.service", identifier: text, path: "/var/log/a b", app: "x")
                    : .init(kind: "file"),
                severity: "err", count: index + 1, firstSeen: time,
                lastSeen: WireTimestamp(microseconds: time.microseconds + Int64(index)),
                samples: [
                    .init(time: time, text: text, cursor: optionals ? "s=ab;i=1" : nil, position: "f.log:\(index)"),
                    .init(time: WireTimestamp(microseconds: -1), text: text),
                ])
        }
        return Batch(
            batchID: "0b3e5c1a-2f4d-4e6a-8b7c-9d0e1f2a3b4c:\(texts.count)",
            agent: .init(id: "0b3e5c1a", host: texts.first ?? "h", version: "0.1.0", bootID: optionals ? "b1" : nil),
            window: .init(start: time, end: WireTimestamp(microseconds: time.microseconds + 5_000_000)),
            groups: groups, health: .init(linesRead: 10, errorsSeen: 3, linesLost: Int.max, spoolBytes: 0))
    }

    @Test(arguments: [true, false])
    func decodesToTheBatchItWasWrittenFrom(optionals: Bool) throws {
        let batch = Self.batch(texts: Self.hostile, optionals: optionals)
        let decoded = try JSONDecoder().decode(Batch.self, from: Data(batch.jsonBytes()))
        #expect(decoded == batch)
    }

    @Test func heartbeatWithoutGroups() throws {
        let batch = Self.batch(texts: [], optionals: false)
        let json = String(decoding: batch.jsonBytes(), as: UTF8.self)
        #expect(json.contains(#""groups":[]"#))
        #expect(!json.contains("boot_id"))
        #expect(try JSONDecoder().decode(Batch.self, from: Data(json.utf8)) == batch)
    }

    /// The same members and values as `JSONEncoder`'s output, compared as parsed JSON (key order may differ).
    @Test(arguments: [true, false])
    func saysWhatJSONEncoderSays(optionals: Bool) throws {
        let batch = Self.batch(texts: Self.hostile, optionals: optionals)
        let ours = try JSONSerialization.jsonObject(with: Data(batch.jsonBytes())) as? NSDictionary
        let foundation = try JSONSerialization.jsonObject(with: JSONEncoder().encode(batch)) as? NSDictionary
        #expect(ours != nil)
        #expect(ours == foundation)
        for group in batch.groups {
            let one = try JSONSerialization.jsonObject(with: Data(group.jsonBytes())) as? NSDictionary
            #expect(one == (try JSONSerialization.jsonObject(with: JSONEncoder().encode(group)) as? NSDictionary))
        }
    }

    @Test func controlCharactersNeverAppearRaw() {
        let bytes = Self.batch(texts: Self.hostile, optionals: true).jsonBytes()
        #expect(!bytes.contains { $0 < 0x20 || $0 == 0x7f })
        #expect(!zip(bytes, bytes.dropFirst()).contains { $0 == 0xc2 && (0x80...0x9f).contains($1) })
    }
}
