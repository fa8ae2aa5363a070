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
    public init?(hex: some StringProtocol) {
        // `UInt64(_:radix:)` alone would also take a sign (`+123456789abcdef`, `-000000000000000`).
        guard hex.utf8.count == 16, hex.utf8.allSatisfy(ByteClass.isHexDigit), let value = UInt64(hex, radix: 16)
        else { return nil }
        self.rawValue = value
    }

    /// 16 lower-case hex digits, zero-padded.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 16)
        var value = rawValue
        for index in (0..<16).reversed() {
            out[index] = digits[Int(value & 0xf)]
            value >>= 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func < (lhs: Fingerprint, rhs: Fingerprint) -> Bool { lhs.rawValue < rhs.rawValue }
}
