import Crypto

/// The bearer tokens agents send: `flt_` and 64 random hex digits, shown once when issued and stored only
/// as their SHA-256.
///
/// The tokens are long random strings, not passwords, so one unsalted SHA-256 is enough: the database can
/// look a token up by its hash, and a copy of the database grants nothing.
public enum AccessToken {
    /// What every token starts with, so that one found in a file or a log is recognisable.
    public static let prefix = "flt_"

    /// A new token from the system's cryptographic random source (getrandom on Linux).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text = Array(prefix.utf8)
        for _ in 0..<4 {
            var word = generator.next() as UInt64
            for _ in 0..<16 {
                text.append(digits[Int(word & 0xf)])
                word >>= 4
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The SHA-256 of `token` in lower-case hex: what the database keeps.
    public static func hash(_ token: String) -> String {
        let digest = SHA256.hash(data: Array(token.utf8))
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
