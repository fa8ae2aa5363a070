import Glibc

/// Something the file source could not do, or a loss it detected.
///
/// ``FileTailSource/init(configuration:checkpoints:now:)`` and ``FileTailSource/read(maximumEvents:now:emit:)``
/// throw it when the source as a whole cannot work; problems with one file (it cannot be opened, it was
/// truncated) do not stop the others and are handed out by ``FileTailSource/takeProblems()`` for the caller to
/// log. The description names the path, the system's words for the `errno` value, and what to do.
public struct FileSourceError: Error, Sendable, CustomStringConvertible {
    /// What happened; new kinds may be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case invalidConfiguration
            case watchFailed
            case openFailed
            case readFailed
            case truncated
            case fileMissing
            case fileReplaced
        }

        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// A glob or limit in the configuration cannot be used.
        public static let invalidConfiguration = Kind(.invalidConfiguration)
        /// inotify could not be set up or read; changes are then only seen at each rescan.
        public static let watchFailed = Kind(.watchFailed)
        /// A file the globs match could not be opened; it is tried again at the next rescan.
        public static let openFailed = Kind(.openFailed)
        /// Reading a file failed; it is tried again at the next rescan.
        public static let readFailed = Kind(.readFailed)
        /// A file became shorter than the position read so far, or its bytes before that position changed,
        /// and no copy of its old content was found next to it: reading restarted at its beginning, and what
        /// was written between the last read and the truncation is lost (counted in
        /// ``FileTailSource/linesLost``). Also reported on start for a file truncated while the agent was stopped.
        public static let truncated = Kind(.truncated)
        /// A checkpointed file was no longer found by its inode on start: what it held after the checkpoint
        /// is lost (counted once).
        public static let fileMissing = Kind(.fileMissing)
        /// A checkpointed file's inode now belongs to a file with other first bytes: the old file is gone
        /// (counted once) and the new one is read from its beginning.
        public static let fileReplaced = Kind(.fileReplaced)

        /// A short name for the kind, such as `open failed`.
        public var description: String {
            switch code {
            case .invalidConfiguration: "invalid configuration"
            case .watchFailed: "watch failed"
            case .openFailed: "open failed"
            case .readFailed: "read failed"
            case .truncated: "truncated"
            case .fileMissing: "file missing"
            case .fileReplaced: "file replaced"
            }
        }
    }

    /// What happened.
    public let kind: Kind
    /// The file, directory or glob concerned.
    public let path: String
    /// The `errno` value of the failed system call, if one failed.
    public let errorNumber: Int32?
    /// What it means and what to do.
    public let advice: String

    /// Creates the error; `errorNumber` is the `errno` of the failed call, if one failed.
    init(_ kind: Kind, path: String, errorNumber: Int32? = nil, advice: String) {
        self.kind = kind
        self.path = path
        self.errorNumber = errorNumber
        self.advice = advice
    }

    /// One paragraph: the kind, the path, the system's words and `errno`, and the advice.
    public var description: String {
        guard let errorNumber else { return "\(kind): \(path): \(advice)" }
        let reason = String(cString: strerror(errorNumber))
        return "\(kind): \(path): \(reason) (errno \(errorNumber)). \(advice)"
    }
}
