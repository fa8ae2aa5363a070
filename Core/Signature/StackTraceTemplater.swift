/// Writes the template of a stack trace: the exception type and the top frames of each exception in the
/// chain (module or file, and function; never line numbers), so the same bug groups together on every
/// build and a different call path does not.
///
/// Recognised: Java (`at ...`, `Caused by:`, `... N more`), Python tracebacks, Go panics.
struct StackTraceTemplater {
    /// Frames kept per exception.
    static let maximumFrames = 5
    /// Exceptions kept from a `Caused by:` chain.
    static let maximumExceptions = 3

    private enum Kind { case java, python, go }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var lines: [Range<Int>] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Writes the trace's template into `output` and returns `true`, or returns `false` (writing nothing)
    /// when `bytes[start..<end]` is not a stack trace.
    mutating func write(_ start: Int, _ end: Int, into output: inout [UInt8]) -> Bool {
        splitLines(start, end)
        guard lines.count >= 2, let kind = detect() else { return false }
        switch kind {
        case .java: writeJava(into: &output)
        case .python: writePython(into: &output)
        case .go: writeGo(into: &output)
        }
        return true
    }

    private mutating func splitLines(_ start: Int, _ end: Int) {
        var lineStart = start
        var index = start
        while index < end, lines.count < 4096 {
            if bytes[index] == UInt8(ascii: "\n") {
                var lineEnd = index
                if lineEnd > lineStart, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                if lineEnd > lineStart { lines.append(lineStart..<lineEnd) }
                lineStart = index + 1
            }
            index += 1
        }
        if lineStart < end { lines.append(lineStart..<end) }
    }

    /// One pass over the lines: each is looked at once, so a hostile message cannot make this quadratic.
    private func detect() -> Kind? {
        var sawGoroutine = false
        var sawPanic = false
        for line in lines {
            let text = trimmed(line)
            if startsWith(text, "Traceback (most recent call last):") { return .python }
            if startsWith(text, "at "), contains(text, "(") { return .java }
            if !sawGoroutine, startsWith(text, "goroutine ") { sawGoroutine = true }
            if !sawPanic, contains(line, "panic: ") { sawPanic = true }
        }
        return sawGoroutine && sawPanic ? .go : nil
    }

    // MARK: - Java

    /// The top exception is the line just above the first frame that names an exception type: a logger may
    /// write its own line first (`ERROR [main] c.a.Handler - request failed`), which must not stand in for it.
    private func writeJava(into output: inout [UInt8]) {
        var exceptions = 0
        var frames = 0
        var header = 0
        if let firstFrame = lines.firstIndex(where: { startsWith(trimmed($0), "at ") }), firstFrame > 0 {
            header = (0..<firstFrame).last { javaExceptionType(trimmed(lines[$0])) != nil } ?? 0
        }
        for line in lines[header...] {
            let text = trimmed(line)
            if startsWith(text, "at ") {
                guard exceptions > 0, exceptions <= Self.maximumExceptions, frames < Self.maximumFrames else {
                    continue
                }
                frames += 1
                output.append(contentsOf: "\n  at ".utf8)
                writeJavaFrame(text.lowerBound + 3..<text.upperBound, into: &output)
            } else if startsWith(text, "... ") || startsWith(text, "Suppressed: ") {
                continue
            } else if exceptions == 0 || startsWith(text, "Caused by: ") {
                let type = javaExceptionType(text)
                guard exceptions == 0 || exceptions < Self.maximumExceptions else { continue }
                if exceptions > 0 { output.append(contentsOf: "\nCaused by: ".utf8) }
                if let type {
                    output.append(contentsOf: bytes[type])
                } else {
                    LineTemplater.with(bytes) { $0.write(text.lowerBound, text.upperBound, into: &output) }
                }
                exceptions += 1
                frames = 0
            }
        }
    }

    /// The class name in `pkg.SomeException: message`, `Exception in thread "main" pkg.Error`, or
    /// `Caused by: pkg.Error: message`.
    private func javaExceptionType(_ line: Range<Int>) -> Range<Int>? {
        var found: Range<Int>? = nil
        var index = line.lowerBound
        while index < line.upperBound {
            while index < line.upperBound, ByteClass.isSeparator(bytes[index]) { index += 1 }
            var tokenEnd = index
            while tokenEnd < line.upperBound, !ByteClass.isSeparator(bytes[tokenEnd]) { tokenEnd += 1 }
            var nameEnd = tokenEnd
            let endsWithColon = nameEnd > index && bytes[nameEnd - 1] == UInt8(ascii: ":")
            if endsWithColon { nameEnd -= 1 }
            if nameEnd > index, isJavaClassName(index..<nameEnd) {
                found = index..<nameEnd
                if endsWithColon || tokenEnd == line.upperBound { return found }
            }
            index = tokenEnd
        }
        return found
    }

    /// Dotted identifier whose last part starts with an upper-case letter, or ends with Exception/Error.
    private func isJavaClassName(_ range: Range<Int>) -> Bool {
        var lastPartStart = range.lowerBound
        var dots = 0
        for index in range {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                dots += 1
                lastPartStart = index + 1
            } else if !(ByteClass.isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")) {
                return false
            }
        }
        guard lastPartStart < range.upperBound else { return false }
        let last = lastPartStart..<range.upperBound
        return (dots > 0 && ByteClass.isUpper(bytes[lastPartStart])) || endsWith(last, "Exception")
            || endsWith(last, "Error") || endsWith(last, "Throwable")
    }

    /// `com.foo.Bar.baz(Bar.java:42)` → `com.foo.Bar.baz(Bar.java)`.
    private func writeJavaFrame(_ frame: Range<Int>, into output: inout [UInt8]) {
        var index = frame.lowerBound
        var inParentheses = false
        while index < frame.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: "(") { inParentheses = true }
            if byte == UInt8(ascii: ")") { inParentheses = false }
            if inParentheses, byte == UInt8(ascii: ":") {
                var digitsEnd = index + 1
                while digitsEnd < frame.upperBound, ByteClass.isDigit(bytes[digitsEnd]) { digitsEnd += 1 }
                if digitsEnd > index + 1 {
                    index = digitsEnd
                    continue
                }
            }
            output.append(ByteClass.isSeparator(byte) ? UInt8(ascii: " ") : byte)
            index += 1
        }
    }

    // MARK: - Python

    /// The last traceback in the chain: its exception type and innermost frames (`dir/file.py in function`).
    private func writePython(into output: inout [UInt8]) {
        guard let lastTraceback = lines.lastIndex(where: { startsWith(trimmed($0), "Traceback (most recent") }) else {
            return
        }
        var frames: [(file: Range<Int>, function: Range<Int>)] = []
        var type: Range<Int>? = nil
        var typeLine: Range<Int>? = nil
        for line in lines[(lastTraceback + 1)...] {
            let text = trimmed(line)
            if startsWith(text, "File \""), let frame = pythonFrame(text) {
                frames.append(frame)
            } else if bytes[line.lowerBound] != UInt8(ascii: " "), bytes[line.lowerBound] != UInt8(ascii: "\t") {
                typeLine = text
                var typeEnd = text.lowerBound
                while typeEnd < text.upperBound, bytes[typeEnd] != UInt8(ascii: ":"),
                    !ByteClass.isSeparator(bytes[typeEnd])
                {
                    typeEnd += 1
                }
                type = text.lowerBound..<typeEnd
                break
            }
        }
        if let type, !type.isEmpty {
            output.append(contentsOf: bytes[type])
        } else if let typeLine {
            LineTemplater.with(bytes) { $0.write(typeLine.lowerBound, typeLine.upperBound, into: &output) }
        } else {
            output.append(contentsOf: "Traceback".utf8)
        }
        for frame in frames.suffix(Self.maximumFrames).reversed() {
            output.append(contentsOf: "\n  at ".utf8)
            output.append(contentsOf: bytes[frame.file])
            output.append(contentsOf: " in ".utf8)
            output.append(contentsOf: bytes[frame.function])
        }
    }

    /// `File "/srv/app/pkg/mod.py", line 12, in handler` → (`pkg/mod.py`, `handler`): the last two path
    /// components, because the directories above them differ between hosts and virtualenvs.
    private func pythonFrame(_ text: Range<Int>) -> (file: Range<Int>, function: Range<Int>)? {
        let pathStart = text.lowerBound + 6
        var pathEnd = pathStart
        while pathEnd < text.upperBound, bytes[pathEnd] != UInt8(ascii: "\"") { pathEnd += 1 }
        guard pathEnd < text.upperBound else { return nil }
        var fileStart = pathEnd
        var slashes = 0
        while fileStart > pathStart {
            let byte = bytes[fileStart - 1]
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") {
                slashes += 1
                if slashes == 2 { break }
            }
            fileStart -= 1
        }
        guard let inRange = find(", in ", pathEnd..<text.upperBound) else { return nil }
        return (fileStart..<pathEnd, inRange.upperBound..<text.upperBound)
    }

    // MARK: - Go

    /// `panic: <message template>` and the functions of the first goroutine's top frames, without arguments.
    private func writeGo(into output: inout [UInt8]) {
        if let panicLine = lines.first(where: { contains($0, "panic: ") }) {
            let text = trimmed(panicLine)
            LineTemplater.with(bytes) { $0.write(text.lowerBound, text.upperBound, into: &output) }
        }
        guard let goroutine = lines.firstIndex(where: { startsWith(trimmed($0), "goroutine ") }) else { return }
        var frames = 0
        for index in (goroutine + 1)..<lines.count {
            let line = lines[index]
            if isIndented(line) { continue }
            if startsWith(line, "goroutine ") || frames == Self.maximumFrames { break }
            // A frame is followed by its indented `file:line +0x..`; other lines (`exit status 2`) are not frames.
            guard index + 1 < lines.count, isIndented(lines[index + 1]) else { continue }
            var nameEnd = line.upperBound
            if startsWith(line, "created by ") {
                // `created by pkg.(*T).f in goroutine 7`: no arguments to cut, and the number differs per run.
                if let suffix = find(" in goroutine ", line) { nameEnd = suffix.lowerBound }
            } else if let open = lastIndex(of: UInt8(ascii: "("), in: line) {
                nameEnd = open
            }
            output.append(contentsOf: "\n  at ".utf8)
            output.append(contentsOf: bytes[line.lowerBound..<nameEnd])
            frames += 1
        }
    }

    // MARK: - Bytes

    private func isIndented(_ line: Range<Int>) -> Bool {
        bytes[line.lowerBound] == UInt8(ascii: "\t") || bytes[line.lowerBound] == UInt8(ascii: " ")
    }

    private func trimmed(_ line: Range<Int>) -> Range<Int> {
        var start = line.lowerBound
        var end = line.upperBound
        while start < end, ByteClass.isSeparator(bytes[start]) { start += 1 }
        while end > start, ByteClass.isSeparator(bytes[end - 1]) { end -= 1 }
        return start..<end
    }

    private func startsWith(_ range: Range<Int>, _ prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer { pattern in
            range.count >= pattern.count
                && bytes[range.lowerBound..<range.lowerBound + pattern.count].elementsEqual(pattern)
        }
    }

    private func endsWith(_ range: Range<Int>, _ suffix: StaticString) -> Bool {
        suffix.withUTF8Buffer { pattern in
            range.count >= pattern.count
                && bytes[range.upperBound - pattern.count..<range.upperBound].elementsEqual(pattern)
        }
    }

    private func find(_ needle: StaticString, _ range: Range<Int>) -> Range<Int>? {
        needle.withUTF8Buffer { pattern in
            guard let first = pattern.first else { return range.lowerBound..<range.lowerBound }
            var index = range.lowerBound
            while index + pattern.count <= range.upperBound {
                if bytes[index] == first {
                    var offset = 1
                    while offset < pattern.count, bytes[index + offset] == pattern[offset] { offset += 1 }
                    if offset == pattern.count { return index..<index + pattern.count }
                }
                index += 1
            }
            return nil
        }
    }

    private func contains(_ range: Range<Int>, _ needle: StaticString) -> Bool { find(needle, range) != nil }

    private func lastIndex(of byte: UInt8, in range: Range<Int>) -> Int? {
        var index = range.upperBound
        while index > range.lowerBound {
            index -= 1
            if bytes[index] == byte { return index }
        }
        return nil
    }
}
