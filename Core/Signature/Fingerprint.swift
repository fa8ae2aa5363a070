/// A 64-bit error signature, printed as 16 lower-case hex digits.
///
/// It is computed with XXH64 (a fixed, documented hash) over the algorithm version, the source identity and
/// the template (see ``Fingerprinter/fingerprint(template:source:)``), so it is the same in every process, on
/// every host and in every run.
public struct Fingerprint: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The hash value.
    public var rawValue: UInt64

    /// Wraps a hash value.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// Parses 16 hex digits, as `description` prints them; `nil` for anything else.
    ///
    /// The collector parses one per group of every batch: the bytes are read without generic dispatch.
    public init?(hex: String) {
        var hex = hex
        guard let value = hex.withUTF8(Self.value(hexDigits:)) else { return nil }
        self.rawValue = value
    }

    /// The value of exactly 16 hex digits (no sign, unlike `UInt64(_:radix:)`).
    private static func value(hexDigits: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard hexDigits.count == 16 else { return nil }
        var value: UInt64 = 0
        for byte in hexDigits {
            guard let digit = EscapedText.hexValue(byte) else { return nil }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// 16 lower-case hex digits, zero-padded.
    public var description: String {
        String(unsafeUninitializedCapacity: 16) { out in
            var value = rawValue
            for index in (0..<16).reversed() {
                let digit = UInt8(truncatingIfNeeded: value & 0xf)
                out[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                value >>= 4
            }
            return 16
        }
    }

    public static func < (lhs: Fingerprint, rhs: Fingerprint) -> Bool { lhs.rawValue < rhs.rawValue }
}
