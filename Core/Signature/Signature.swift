/// What the signature engine says about one log message.
public struct Signature: Hashable, Sendable {
    /// The message with its variable parts replaced by typed placeholders (`<num>`, `<ip>`, ...).
    public var template: String
    /// The stable hash of the algorithm version, source identity and template.
    public var fingerprint: Fingerprint
    /// The version of the algorithm that produced this signature; it travels with the fingerprint.
    public var algorithm: Int

    /// Creates a signature.
    public init(template: String, fingerprint: Fingerprint, algorithm: Int) {
        self.template = template
        self.fingerprint = fingerprint
        self.algorithm = algorithm
    }
}
