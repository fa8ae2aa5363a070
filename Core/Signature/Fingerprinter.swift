/// Turns one log message into its template and fingerprint. (Stub: being written.)
public struct Fingerprinter: Sendable {
    /// The version of the algorithm; bumped whenever a template could change.
    public static let algorithmVersion = 1

    /// Creates a fingerprinter.
    public init() {}

    /// Signs a message given as bytes (UTF-8, invalid sequences allowed).
    public func sign(_ message: UnsafeBufferPointer<UInt8>, source: String) -> Signature {
        let template = String(decoding: message, as: UTF8.self)
        return Signature(template: template, fingerprint: Fingerprint(rawValue: 0), algorithm: Self.algorithmVersion)
    }

    /// Signs a message given as a string.
    public func sign(_ message: String, source: String) -> Signature {
        var copy = message
        return copy.withUTF8 { sign($0, source: source) }
    }
}
