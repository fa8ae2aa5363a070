/// Why the collector refuses a batch; the agent must not send it again as it is.
///
/// `message` names the field, as `groups[3].fingerprint: expected 16 hex digits, found "9f2c"`, so that
/// the agent's dead-letter log says what to fix.
public struct BatchRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal; new kinds may be added, so `switch` over it with a `default` case.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        private enum Code: Sendable, Hashable {
            case tooLarge
            case malformed
            case unsupportedEncoding
            case foreignBatch
        }

        private let code: Code

        private init(_ code: Code) {
            self.code = code
        }

        /// The batch is larger than `server.max_batch_bytes`, sent or decompressed (HTTP 413).
        public static var tooLarge: Self { .init(.tooLarge) }
        /// The body is not gzip, not JSON, or not a valid v1 batch (HTTP 400).
        public static var malformed: Self { .init(.malformed) }
        /// A `Content-Encoding` other than gzip or identity (HTTP 415).
        public static var unsupportedEncoding: Self { .init(.unsupportedEncoding) }
        /// The batch id was stored for another client (HTTP 409).
        public static var foreignBatch: Self { .init(.foreignBatch) }

        /// A short name such as `tooLarge`.
        public var description: String { "\(code)" }
    }

    /// The kind of refusal.
    public let reason: Reason
    /// What is wrong, naming the field.
    public let message: String

    /// Creates a refusal.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
