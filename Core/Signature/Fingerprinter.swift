#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns one log message into its signature: a template with typed placeholders and a stable fingerprint.
///
/// Stateless and deterministic: the same message and source give the same signature in every process,
/// on every host and in every run of the same ``algorithmVersion``. It works on bytes (UTF-8, invalid
/// sequences and NUL bytes included) without regular expressions, in time linear in the message, and
/// never fails: any input yields a signature.
///
/// A fingerprinter keeps scratch memory between calls (never results), so that signing a line allocates
/// only its template string: keep one and reuse it rather than making one per message.
///
/// ```swift
/// let signature = Fingerprinter().sign("connection to 10.0.0.7 refused after 3 retries", source: "api.service")
/// // signature.template == "connection to <ip> refused after <num> retries"
/// ```
public struct Fingerprinter: Sendable {
    /// The version of the algorithm; bumped whenever a template or fingerprint could change.
    public static let algorithmVersion = 1

    private let workspace = SigningWorkspace()

    /// Creates a fingerprinter.
    public init() {}

    /// Signs a message given as bytes.
    ///
    /// - Parameters:
    ///   - message: the message alone, without timestamp or host header (as journald's `MESSAGE`).
    ///     A multi-line message that holds a Java, Python or Go stack trace is signed by its exception
    ///     type and top frames; any other line breaks count as spaces.
    ///   - source: the source identity: the journald unit or syslog identifier, or a file's app label.
    public func sign(_ message: UnsafeBufferPointer<UInt8>, source: String) -> Signature {
        if let base = message.baseAddress, memchr(base, Int32(UInt8(ascii: "\n")), message.count) != nil {
            var output: [UInt8] = []
            var trace = StackTraceTemplater(message)
            if trace.write(0, message.count, into: &output) {
                let template = String(decoding: output, as: UTF8.self)
                return Signature(
                    template: template,
                    fingerprint: Self.fingerprint(template: template, source: source),
                    algorithm: Self.algorithmVersion
                )
            }
        }
        return workspace.withBuffers { buffers in
            let template = LineTemplater.with(message, buffers: &buffers) {
                String(decoding: $0.template(0, message.count), as: UTF8.self)
            }
            return Signature(
                template: template,
                fingerprint: Self.fingerprint(template: template, seed: buffers.seed(for: source)),
                algorithm: Self.algorithmVersion
            )
        }
    }

    /// Signs a message given as a string.
    public func sign(_ message: String, source: String) -> Signature {
        var copy = message
        return copy.withUTF8 { sign($0, source: source) }
    }

    /// The fingerprint of a template: XXH64 of the template's UTF-8 bytes, seeded with the XXH64 of the
    /// algorithm version byte, a NUL and the source identity's UTF-8 bytes.
    ///
    /// In Python: `xxh64(template, seed=xxh64(bytes([version, 0]) + source).intdigest()).intdigest()`.
    public static func fingerprint(template: String, source: String) -> Fingerprint {
        fingerprint(template: template, seed: seed(source: source))
    }

    /// The XXH64 of the algorithm version byte, a NUL and the source identity's UTF-8 bytes.
    static func seed(source: String) -> UInt64 {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: source.utf8.count + 2) { prefix in
            prefix[0] = UInt8(truncatingIfNeeded: algorithmVersion)
            prefix[1] = 0
            _ = UnsafeMutableBufferPointer(rebasing: prefix[2...]).initialize(from: source.utf8)
            return XXHash64.hash(UnsafeBufferPointer(prefix))
        }
    }

    private static func fingerprint(template: String, seed: UInt64) -> Fingerprint {
        var template = template
        return Fingerprint(rawValue: template.withUTF8 { XXHash64.hash($0, seed: seed) })
    }
}
