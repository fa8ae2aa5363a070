/// Why gzip data could not be decompressed.
public struct GzipError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; new kinds may be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case corruptInput
            case truncatedInput
            case outputTooLarge
        }

        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// The bytes are not gzip, or are damaged (bad header, bad checksum, invalid deflate data).
        public static let corruptInput = Kind(.corruptInput)
        /// The data ends before the gzip trailer: it was cut off in transit or on disk.
        public static let truncatedInput = Kind(.truncatedInput)
        /// The data expands beyond the size cap given to ``Gzip/decompress(_:maximumSize:)``.
        public static let outputTooLarge = Kind(.outputTooLarge)

        /// A short name for the kind, such as `truncated input`.
        public var description: String {
            switch code {
            case .corruptInput: "corrupt input"
            case .truncatedInput: "truncated input"
            case .outputTooLarge: "output too large"
            }
        }
    }

    /// What went wrong.
    public let kind: Kind
    /// zlib's message, or the decompressor's own explanation.
    public let message: String

    /// Creates an error with zlib's message or an explanation.
    init(_ kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// What failed and what to do about it.
    public var description: String {
        switch kind {
        case .outputTooLarge:
            "gzip data rejected: \(message); it may be a compression bomb. "
                + "Refuse the payload, or raise the limit if payloads this large are expected"
        case .truncatedInput:
            "gzip data is incomplete: \(message). The sender or the transfer cut it off; send it again"
        default:
            "gzip data is corrupt: \(message). Check that the sender really compresses with gzip "
                + "(Content-Encoding: gzip) and that nothing altered the bytes in transit"
        }
    }
}
