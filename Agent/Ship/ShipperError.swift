/// Why a ``Shipper`` could not be created.
///
/// Failures while sending are not errors of this type: they are retried or dead-lettered, and reported in
/// ``ShipOutcome`` and the log.
public struct ShipperError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; new kinds may be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case invalidConfiguration
            case clientSetupFailed
        }

        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// A setting of ``ShipperConfiguration`` cannot work; the message names it.
        public static let invalidConfiguration = Kind(.invalidConfiguration)
        /// The HTTP client could not be created (libcurl failed to initialize).
        public static let clientSetupFailed = Kind(.clientSetupFailed)

        /// A short name for the kind, such as `invalid configuration`.
        public var description: String {
            switch code {
            case .invalidConfiguration: "invalid configuration"
            case .clientSetupFailed: "client setup failed"
            }
        }
    }

    /// What went wrong.
    public let kind: Kind
    /// What is wrong and what to do, naming the setting.
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The shipper's name for the problem, then the message.
    public var description: String { "shipper \(kind): \(message)" }
}
