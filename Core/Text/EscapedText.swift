/// Escaping for text that came from log lines, which is hostile input: control bytes (terminal escape
/// sequences included) must never reach a terminal or a JSON document raw.
public enum EscapedText {
    /// `text` as a JSON string literal, quotes included (RFC 8259: `"`, `\`, and control characters escaped;
    /// DEL and the C1 controls U+0080–U+009F too, since a terminal may act on them).
    public static func json(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + 2)
        appendJSON(text, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The byte a one-character JSON escape (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`) stands for, given
    /// the character after the backslash; nil for `u` (four hex digits follow) and for anything else.
    @inlinable
    public static func unescapedJSON(_ escape: UInt8) -> UInt8? {
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): escape
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }

    /// The value of a hex digit (`0`–`9`, `a`–`f`, `A`–`F`), as in a JSON `\u` escape; nil for any other byte.
    @inlinable
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Appends `text` as a JSON string literal to `output`.
    public static func appendJSON(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // A C1 control U+0080–U+009F is the two bytes C2 80–C2 9F in UTF-8: hold a C2 until the next byte.
        var heldC2 = false
        for byte in text.utf8 {
            if heldC2 {
                heldC2 = false
                if byte <= 0x9f {
                    appendUnicodeEscape(byte, to: &output)
                    continue
                }
                output.append(0xc2)
            }
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7f: appendUnicodeEscape(byte, to: &output)
            case 0xc2: heldC2 = true
            default: output.append(byte)
            }
        }
        if heldC2 { output.append(0xc2) }
        output.append(UInt8(ascii: "\""))
    }

    /// `text` made safe for a terminal: C0 and C1 control characters (escape sequences included) become
    /// visible escapes such as `\n`, `\t`, `\x1b`, `\u{9b}`; a backslash is doubled.
    public static func terminal(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0a: result.append(contentsOf: #"\n"#.unicodeScalars)
            case 0x09: result.append(contentsOf: #"\t"#.unicodeScalars)
            case 0x5c: result.append(contentsOf: #"\\"#.unicodeScalars)
            case 0..<0x20, 0x7f:
                let byte = UInt8(scalar.value)
                result.append(contentsOf: #"\x"#.unicodeScalars)
                result.append(Unicode.Scalar(hexDigit(byte >> 4)))
                result.append(Unicode.Scalar(hexDigit(byte & 0xf)))
            case 0x80...0x9f:
                result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            default: result.append(scalar)
            }
        }
        return String(result)
    }

    private static func appendUnicodeEscape(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(contentsOf: Array("\\u00".utf8))
        output.append(hexDigit(byte >> 4))
        output.append(hexDigit(byte & 0xf))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
