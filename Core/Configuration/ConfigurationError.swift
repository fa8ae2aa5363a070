/// A problem with a configuration file: a syntax error, an unknown key, a value of the wrong type.
///
/// `description` reads like a compiler message, file and line first, so that an operator can jump
/// straight to it:
///
/// ```
/// agent.toml:12: unknown key 'flush_intervall' in [agent]; did you mean 'flush_interval'?
/// agent.toml:7: 'spool.max_bytes' must be an integer, found string
/// ```
///
/// Compare ``code`` against the static members of ``Code`` to tell kinds of problems apart; new
/// codes may be added without breaking callers.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem; new kinds may be added, so `switch` over it with a `default` case.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case syntax
            case duplicateKey
            case unknownKey
            case typeMismatch
            case invalidValue
            case fileNotFound
            case unreadableFile
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// The text is not valid TOML: a missing quote, a bad escape, garbage after a value...
        public static var syntax: Self { .init(.syntax) }
        /// A key or table is defined twice.
        public static var duplicateKey: Self { .init(.duplicateKey) }
        /// A key that the program does not know, usually a typo.
        public static var unknownKey: Self { .init(.unknownKey) }
        /// A value of the wrong TOML type, such as a string where an integer belongs.
        public static var typeMismatch: Self { .init(.typeMismatch) }
        /// A value of the right type that the program cannot use, such as a negative size.
        public static var invalidValue: Self { .init(.invalidValue) }
        /// The file does not exist; a program may choose to run on its defaults instead.
        public static var fileNotFound: Self { .init(.fileNotFound) }
        /// The file exists but cannot be read, or is far too large to be a configuration file.
        public static var unreadableFile: Self { .init(.unreadableFile) }

        /// A short name for logs and tests, such as `unknownKey`.
        public var description: String { "\(value)" }
    }

    /// The kind of problem.
    public let code: Code
    /// The file's name or path, as it was given when the file was read.
    public let fileName: String
    /// The 1-based line the problem is on; `nil` when it concerns the whole file.
    public let line: Int?
    /// What is wrong and, where it helps, what to write instead; without the file and line.
    public let message: String

    /// Creates an error; parsers and readers in this module are the ones that make them.
    init(_ code: Code, _ message: String, fileName: String, line: Int?) {
        self.code = code
        self.message = message
        self.fileName = fileName
        self.line = line
    }

    /// `file:line: message`, or `file: message` for problems with the whole file.
    public var description: String {
        if let line {
            return "\(fileName):\(line): \(message)"
        }
        return "\(fileName): \(message)"
    }
}
