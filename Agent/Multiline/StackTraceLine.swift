/// Byte-level tests for the lines of Java, Python and Go stack traces, used by ``MultilineAssembler``.
///
/// Each test looks at fixed prefixes only: no regular expression, no allocation.
enum StackTraceLine {
    /// What kind of trace the event being assembled is, which decides what may follow it.
    enum Context: Sendable, Hashable {
        /// An ordinary line, or nothing yet.
        case plain
        /// Java frames have started.
        case java
        /// Inside a Python traceback's frames.
        case pythonFrames
        /// Just after a Python traceback's exception line.
        case pythonException
        /// After `During handling of the above exception...`: another traceback follows.
        case pythonChain
        /// A Go panic or fatal error.
        case go
    }

    /// The first line of every Python traceback.
    private static let pythonTraceback = Array("Traceback (most recent call last):".utf8)
    private static let pythonDuringHandling = Array("During handling of the above exception".utf8)
    private static let pythonDirectCause = Array("The above exception was the direct cause".utf8)
    private static let javaFrame = Array("at ".utf8)
    private static let javaEllipsis = Array("... ".utf8)
    private static let javaMore = Array(" more".utf8)
    private static let javaOmitted = Array("common frames omitted".utf8)
    private static let javaCausedBy = Array("Caused by: ".utf8)
    private static let javaSuppressed = Array("Suppressed: ".utf8)
    private static let goPanic = Array("panic: ".utf8)
    private static let goFatalError = Array("fatal error: ".utf8)
    private static let goContinuations = [
        "goroutine ", "[signal ", "created by ", "runtime stack:", "...additional frames elided...", "PC=",
    ].map { Array($0.utf8) }

    /// Whether the line is empty or only spaces and tabs.
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    /// Whether the line starts with a space or a tab.
    static func isIndented(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = line.first else { return false }
        return first == UInt8(ascii: " ") || first == UInt8(ascii: "\t")
    }

    /// Decides whether a non-blank line starts a new event, and the context it leaves, given the context of
    /// the event assembled so far.
    static func classify(_ line: UnsafeBufferPointer<UInt8>, after context: Context) -> (starts: Bool, Context) {
        let indented = isIndented(line)
        switch context {
        case .pythonFrames:
            // Frames and source lines are indented; the first line that is not is the exception itself.
            return (false, indented ? .pythonFrames : .pythonException)
        case .pythonException:
            if hasPrefix(line, pythonDuringHandling) || hasPrefix(line, pythonDirectCause) {
                return (false, .pythonChain)
            }
            if indented { return (false, .pythonException) }
        case .pythonChain:
            if hasPrefix(line, pythonTraceback) { return (false, .pythonFrames) }
        case .go:
            if isGoContinuation(line, indented: indented) { return (false, .go) }
        case .plain, .java:
            break
        }
        if hasPrefix(line, pythonTraceback) {
            // `logging.exception` writes its message, then the traceback: keep them together.
            return (context != .plain, .pythonFrames)
        }
        if hasPrefix(line, goPanic) || hasPrefix(line, goFatalError) { return (true, .go) }
        if isJavaContinuation(line, indented: indented) { return (false, .java) }
        return (true, .plain)
    }

    /// Whether the line looks like the first line of a printed Java exception: a dotted class name whose
    /// last part names an exception, error or throwable, alone or followed by `: message`
    /// (`java.lang.IllegalStateException: pool exhausted`).
    static func isJavaExceptionHeader(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var end = 0
        var lastDot = -1
        while end < line.count, line[end] != UInt8(ascii: ":"), line[end] != UInt8(ascii: " ") {
            let byte = line[end]
            if byte == UInt8(ascii: ".") {
                lastDot = end
            } else if !(isWordByte(byte) || byte == UInt8(ascii: "$")) {
                return false
            }
            end += 1
        }
        guard lastDot > 0, lastDot + 1 < end, end == line.count || line[end] == UInt8(ascii: ":") else {
            return false
        }
        let name = UnsafeBufferPointer(rebasing: line[(lastDot + 1)..<end])
        return contains(name, exceptionWord) || contains(name, errorWord) || contains(name, throwableWord)
    }

    private static let exceptionWord = Array("Exception".utf8)
    private static let errorWord = Array("Error".utf8)
    private static let throwableWord = Array("Throwable".utf8)

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }

    private static func isJavaContinuation(_ line: UnsafeBufferPointer<UInt8>, indented: Bool) -> Bool {
        if hasPrefix(line, javaCausedBy) { return true }
        guard indented else { return false }
        let body = UnsafeBufferPointer(rebasing: line[firstNonBlank(line)...])
        if hasPrefix(body, javaFrame) || hasPrefix(body, javaCausedBy) || hasPrefix(body, javaSuppressed) {
            return true
        }
        return hasPrefix(body, javaEllipsis) && (contains(body, javaMore) || contains(body, javaOmitted))
    }

    private static func isGoContinuation(_ line: UnsafeBufferPointer<UInt8>, indented: Bool) -> Bool {
        if indented { return true }
        for prefix in goContinuations where hasPrefix(line, prefix) { return true }
        // A function line: `main.main()`, `net/http.(*conn).serve(0xc000124000, {0x7f3e40, 0xc0000a6000})`.
        guard line.last == UInt8(ascii: ")") else { return false }
        for byte in line {
            if byte == UInt8(ascii: "(") { return true }
            if byte == UInt8(ascii: " ") { return false }
        }
        return false
    }

    private static func firstNonBlank(_ line: UnsafeBufferPointer<UInt8>) -> Int {
        var index = 0
        while index < line.count, line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t") {
            index += 1
        }
        return index
    }

    private static func hasPrefix(_ line: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard line.count >= prefix.count else { return false }
        for index in prefix.indices where line[index] != prefix[index] { return false }
        return true
    }

    private static func contains(_ line: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard line.count >= needle.count, let first = needle.first else { return false }
        var start = 0
        while start + needle.count <= line.count {
            if line[start] == first {
                var index = 1
                while index < needle.count, line[start + index] == needle[index] { index += 1 }
                if index == needle.count { return true }
            }
            start += 1
        }
        return false
    }
}
