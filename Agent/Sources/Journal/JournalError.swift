import Glibc

/// A call into `sd_journal` failed, or the reader was given something it cannot use.
///
/// The description names the libsystemd call, its argument where that helps (a directory, a cursor), the
/// system's words for the `errno` value, and what to do. Compare ``kind`` with the static members of ``Kind``
/// to react: an ``Kind/invalidCursor`` checkpoint should be dropped and reading started from the tail.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    /// What the reader was doing; new kinds may be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case openFailed
            case invalidFilter
            case seekFailed
            case invalidCursor
            case readFailed
            case waitFailed
        }

        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// The journal, directory or files could not be opened.
        public static let openFailed = Kind(.openFailed)
        /// A ``JournalFilter`` holds a value libsystemd rejects, or a priority outside 0...7.
        public static let invalidFilter = Kind(.invalidFilter)
        /// Seeking to the head, the tail or a time failed.
        public static let seekFailed = Kind(.seekFailed)
        /// A checkpointed cursor is not a journal cursor at all (not merely one whose entry is gone).
        public static let invalidCursor = Kind(.invalidCursor)
        /// Moving to the next entry or reading one of its fields failed, usually a damaged journal file.
        public static let readFailed = Kind(.readFailed)
        /// Waiting for the journal to change failed.
        public static let waitFailed = Kind(.waitFailed)

        /// A short name for the kind, such as `open failed`.
        public var description: String {
            switch code {
            case .openFailed: "open failed"
            case .invalidFilter: "invalid filter"
            case .seekFailed: "seek failed"
            case .invalidCursor: "invalid cursor"
            case .readFailed: "read failed"
            case .waitFailed: "wait failed"
            }
        }
    }

    /// What went wrong.
    public let kind: Kind
    /// The libsystemd call that failed with its argument, such as `sd_journal_open_directory("/var/log/journal")`.
    public let call: String
    /// The `errno` value the call returned (positive), or `nil` when the reader itself refused the input.
    public let errorNumber: Int32?
    /// What to do about it.
    public let advice: String

    init(_ kind: Kind, call: String, result: Int32?, advice: String) {
        self.kind = kind
        self.call = call
        self.errorNumber = result.map { -$0 }
        self.advice = advice
    }

    /// One paragraph: the call, the system's words and `errno`, and what to do.
    public var description: String {
        guard let errorNumber else { return "\(call) was refused: \(advice)" }
        let reason = String(cString: strerror(errorNumber))
        return "\(call) failed: \(reason) (errno \(errorNumber)). \(advice)"
    }
}
