/// Byte tests used on the fingerprinting hot path: plain comparisons and one table, no regex.
enum ByteClass {
    /// Kinds in ``kinds``.
    static let plain = UInt8(ascii: "a")
    static let digit = UInt8(ascii: "0")
    static let separator = UInt8(ascii: "s")
    static let punctuation = UInt8(ascii: "p")

    /// The kind of every byte, indexed by its value: ``separator`` (see ``isSeparator(_:)``), ``digit``, ASCII
    /// ``punctuation``, or ``plain`` for letters and the bytes of non-ASCII characters. One load per byte tells
    /// the token scan whether a byte needs any work.
    static var kinds: StaticString {
        """
        ssssssssssssssss\
        ssssssssssssssss\
        sppppppppppppppp\
        0000000000pppppp\
        paaaaaaaaaaaaaaa\
        aaaaaaaaaaappppp\
        paaaaaaaaaaaaaaa\
        aaaaaaaaaaapppps\
        aaaaaaaaaaaaaaaa\
        aaaaaaaaaaaaaaaa\
        aaaaaaaaaaaaaaaa\
        aaaaaaaaaaaaaaaa\
        aaaaaaaaaaaaaaaa\
        aaaaaaaaaaaaaaaa\
        aaaaaaaaaaaaaaaa\
        aaaaaaaaaaaaaaaa
        """
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    @inline(__always) static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- 0x61 < 6
    }

    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }

    @inline(__always) static func isUpper(_ byte: UInt8) -> Bool { byte &- 0x41 < 26 }

    @inline(__always) static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }

    /// Space, tab, line breaks and every other ASCII control byte (NUL included) separate tokens.
    @inline(__always) static func isSeparator(_ byte: UInt8) -> Bool { byte <= 0x20 || byte == 0x7f }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte | 0x20 : byte }

    /// Brackets and quotes that may open a token: `( [ { < " '`.
    @inline(__always) static func isOpening(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "<"), UInt8(ascii: "\""),
            UInt8(ascii: "'"):
            true
        default: false
        }
    }

    /// Brackets, quotes and sentence punctuation that may close a token: `) ] } > " ' , ; : . ! ?`.
    @inline(__always) static func isClosing(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ">"), UInt8(ascii: "\""),
            UInt8(ascii: "'"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "."),
            UInt8(ascii: "!"), UInt8(ascii: "?"):
            true
        default: false
        }
    }
}
