import FaultlineCore
import Foundation
import Testing

/// Text from log lines never reaches a JSON document or a terminal raw.
@Suite struct EscapedTextTests {
    /// Decodes a JSON string literal with Foundation's parser (wrapped in an array, which every
    /// JSONSerialization version accepts as a top-level value).
    private func decodeJSONString(_ literal: String) throws -> String {
        let array = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [Any]
        return try #require(array?.first as? String, "not a JSON string: \(literal)")
    }

    /// Every C0 control character, DEL, and a few C1 ones.
    static let controls =
        String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        + "\u{7f}\u{80}\u{9b}\u{9f}"

    // MARK: - JSON

    @Test func jsonEscapesQuotesAndBackslashes() {
        #expect(EscapedText.json(#"say "hi" to C:\temp"#) == #""say \"hi\" to C:\\temp""#)
        #expect(EscapedText.json("") == #""""#)
    }

    @Test func jsonEscapesControlCharacters() {
        #expect(EscapedText.json("a\nb\rc\td") == #""a\nb\rc\td""#)
        #expect(EscapedText.json("\u{0}\u{1b}[31m\u{7f}") == #""\u0000\u001b[31m\u007f""#)
        #expect(EscapedText.json("\u{1f}") == #""\u001f""#)
    }

    /// C1 controls are legal raw in JSON, but a terminal showing the document may act on them (U+009B is
    /// a one-character CSI), so they are escaped too; other non-ASCII text stays as it is.
    @Test func jsonEscapesC1Controls() {
        #expect(EscapedText.json("\u{9b}2J \u{80}\u{85}\u{9f}") == #""\u009b2J \u0080\u0085\u009f""#)
        #expect(EscapedText.json("\u{a0}é\u{100}ÿ") == "\"\u{a0}é\u{100}ÿ\"")
    }

    @Test func jsonOutputHoldsNoRawControlCharacters() {
        let escaped = EscapedText.json(Self.controls)
        #expect(!escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) })
    }

    @Test(arguments: [
        #"plain"#, #"quote " and backslash \ and both \""#, "line\nbreak\r\n\ttab", EscapedTextTests.controls,
        "unicode é ü 日本 🚀 \u{2028}\u{2029}", "\u{1b}[2J\u{1b}]0;title\u{7}", String(repeating: "\\\"", count: 100),
    ])
    func jsonRoundTripsThroughFoundation(_ text: String) throws {
        #expect(try decodeJSONString(EscapedText.json(text)) == text)
    }

    @Test func appendJSONAppendsToExistingBytes() {
        var output = Array("{\"k\": ".utf8)
        EscapedText.appendJSON("v\"1", to: &output)
        output.append(UInt8(ascii: "}"))
        #expect(String(decoding: output, as: UTF8.self) == #"{"k": "v\"1"}"#)
    }

    // MARK: - Terminal

    @Test func terminalEscapesEscapeSequences() {
        #expect(EscapedText.terminal("\u{1b}[31mred\u{1b}[0m") == #"\x1b[31mred\x1b[0m"#)
        #expect(EscapedText.terminal("\u{1b}]0;pwned\u{7}") == #"\x1b]0;pwned\x07"#)
    }

    @Test func terminalEscapesC1Controls() {
        // U+009B is the one-character CSI: a terminal reads it as ESC [.
        #expect(EscapedText.terminal("\u{9b}31m") == #"\u{9b}31m"#)
        #expect(EscapedText.terminal("\u{80}\u{9f}") == #"\u{80}\u{9f}"#)
    }

    @Test func terminalEscapesOtherControlsAndBackslash() {
        #expect(EscapedText.terminal("a\nb\tc\\d\u{0}\u{7f}") == #"a\nb\tc\\d\x00\x7f"#)
        #expect(EscapedText.terminal("\r") == #"\x0d"#)
    }

    @Test func terminalKeepsPrintableText() {
        let text = "plain text é ü 日本 🚀 \u{a0}"
        #expect(EscapedText.terminal(text) == text)
    }

    @Test func terminalOutputHoldsNoControlCharacters() {
        let escaped = EscapedText.terminal(Self.controls)
        #expect(!escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) })
    }

    /// Escaping is reversible: distinct inputs never print the same, so a backslash in the log cannot
    /// forge an escape.
    @Test func terminalBackslashCannotForgeAnEscape() {
        #expect(EscapedText.terminal(#"\x1b"#) != EscapedText.terminal("\u{1b}"))
        #expect(EscapedText.terminal(#"\x1b"#) == #"\\x1b"#)
    }
}
