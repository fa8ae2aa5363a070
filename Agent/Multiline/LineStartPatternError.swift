/// A ``LineStartPattern`` could not be compiled.
///
/// The description quotes the pattern, names the position (counted in bytes from 0) and says how to write it.
public struct LineStartPatternError: Error, Sendable, CustomStringConvertible {
    /// What is wrong; internal, so that cases can be added without breaking callers.
    enum Code: Sendable {
        case empty
        case unterminatedSet
        case reversedRange
        case trailingEscape
    }

    private let code: Code
    /// The pattern as written.
    public let pattern: String
    /// The byte offset in the pattern where the problem is.
    public let position: Int

    /// Creates the error for `pattern`, at byte `position`.
    init(_ code: Code, pattern: String, position: Int) {
        self.code = code
        self.pattern = pattern
        self.position = position
    }

    /// One sentence naming the pattern, the position and the fix.
    public var description: String {
        let problem =
            switch code {
            case .empty: "is empty; give the text that starts an event, such as `[0-9][0-9][0-9][0-9]-`"
            case .unterminatedSet: "has a `[` at byte \(position) without its closing `]`; write `\\[` for a literal"
            case .reversedRange: "has a range at byte \(position) whose first end is above its second, write `a-z`"
            case .trailingEscape: "ends with a lone `\\`; write `\\\\` for a literal backslash"
            }
        return "multiline start pattern \"\(pattern)\" \(problem)"
    }
}
