/// Groups the lines of one file into events: a stack trace becomes one event, an ordinary line stays one.
///
/// Feed it every line in file order with ``append(_:offset:truncated:now:emit:)``; it calls `emit` with each
/// event as soon as the event is known to be complete (the next event has started). The last event of a
/// burst stays pending until a line that starts a new event arrives, or until
/// ``MultilineConfiguration/maximumWait`` has passed without a line: call ``flushExpired(now:emit:)`` on each
/// tick of the caller's loop, and ``flush(emit:)`` when the file ends for good. There is no timer inside;
/// every time is the `now` the caller passes.
///
/// While an event is pending, ``pendingOffset`` is the offset of its first line: a durable checkpoint must not
/// move past it, or a crash would lose the event's first lines.
///
/// An event is capped at ``MultilineConfiguration/maximumLines`` and ``MultilineConfiguration/maximumBytes``:
/// it is emitted, marked truncated, as soon as a further line would not fit, and the rest of its lines are
/// dropped up to the next line that starts an event (or until the wait expires). Blank lines never make an
/// event of their own, and an event never ends with one.
///
/// With the built-in rule, a line that looks like a Java exception (`java.lang.IllegalStateException: boom`)
/// right after an ordinary line is held until the next line: if that is a frame, the exception and its frames
/// join the ordinary line, which is what `log.error("message", exception)` writes; otherwise both lines are
/// events of their own. ``pendingOffset`` stays at the ordinary line meanwhile.
public struct MultilineAssembler {
    private let rule: MultilineConfiguration.Rule
    private let maximumLines: Int
    private let maximumBytes: Int
    private let maximumWait: Duration

    private var message: [UInt8] = []
    private var lineCount = 0
    private var truncated = false
    private var context = StackTraceLine.Context.plain
    /// Set when an event was cut at a cap: its remaining lines are dropped until the next start.
    private var discarding = false
    private var lastLineTime: ContinuousClock.Instant?
    /// A Java exception line held until the next line tells whether frames follow it.
    private var heldLine: [UInt8] = []
    private var heldLineOffset: Int64?
    private var heldLineTruncated = false

    /// The offset of the pending event's first line, or `nil` when no event is pending.
    public private(set) var pendingOffset: Int64?

    /// Creates an assembler; caps below 1 count as 1.
    public init(configuration: MultilineConfiguration) {
        rule = configuration.rule
        maximumLines = max(1, configuration.maximumLines)
        maximumBytes = max(1, configuration.maximumBytes)
        maximumWait = configuration.maximumWait
    }

    /// When ``flushExpired(now:emit:)`` will next have something to do, or `nil` when nothing is pending.
    public var deadline: ContinuousClock.Instant? {
        guard pendingOffset != nil || discarding, let lastLineTime else { return nil }
        return lastLineTime + maximumWait
    }

    /// Adds the next line of the file.
    ///
    /// - Parameters:
    ///   - line: The line's bytes without its line break.
    ///   - offset: The offset of the line's first byte in the file.
    ///   - truncated: Whether the line was already cut at the reader's line-length cap.
    ///   - now: The caller's clock, for ``MultilineConfiguration/maximumWait``.
    ///   - emit: Called with each event that became complete, in file order.
    public mutating func append(
        _ line: UnsafeBufferPointer<UInt8>, offset: Int64, truncated: Bool, now: ContinuousClock.Instant,
        emit: (MultilineEvent) -> Void
    ) {
        let blank = StackTraceLine.isBlank(line)
        switch rule {
        case .singleLines:
            guard !blank else { return }
            let fits = line.count <= maximumBytes
            let message = Array(fits ? line : UnsafeBufferPointer(rebasing: line[..<maximumBytes]))
            emit(MultilineEvent(message: message, offset: offset, lineCount: 1, truncated: truncated || !fits))
        case .startPatterns(let patterns):
            if blank {
                if pendingOffset != nil || discarding { join(line, truncated: truncated, now: now, emit: emit) }
            } else if patterns.contains(where: { $0.matches(line) }) || (pendingOffset == nil && !discarding) {
                start(line, offset: offset, truncated: truncated, now: now, emit: emit)
            } else {
                join(line, truncated: truncated, now: now, emit: emit)
            }
        case .stackTraces:
            if heldLineOffset != nil {
                let (starts, lineContext) = StackTraceLine.classify(line, after: .plain)
                let framesFollow = !blank && !starts && lineContext == .java
                releaseHeldLine(joining: framesFollow, now: now, emit: emit)
                if framesFollow {
                    join(line, truncated: truncated, now: now, emit: emit)
                    context = .java
                    return
                }
            }
            if blank {
                switch context {
                case .go, .pythonFrames, .pythonException, .pythonChain:
                    if pendingOffset != nil || discarding { join(line, truncated: truncated, now: now, emit: emit) }
                case .plain, .java:
                    flush(emit: emit)
                }
                return
            }
            let (starts, newContext) = StackTraceLine.classify(line, after: context)
            if starts, newContext == .plain, context == .plain, pendingOffset != nil, !discarding,
                StackTraceLine.isJavaExceptionHeader(line)
            {
                heldLine.append(contentsOf: line)
                heldLineOffset = offset
                heldLineTruncated = truncated
                lastLineTime = now
                return
            }
            context = newContext
            if starts || (pendingOffset == nil && !discarding) {
                start(line, offset: offset, truncated: truncated, now: now, emit: emit)
            } else {
                join(line, truncated: truncated, now: now, emit: emit)
            }
        }
    }

    /// Emits the pending event if no line arrived for ``MultilineConfiguration/maximumWait`` before `now`.
    public mutating func flushExpired(now: ContinuousClock.Instant, emit: (MultilineEvent) -> Void) {
        guard let deadline, now >= deadline else { return }
        flush(emit: emit)
    }

    /// Emits the pending event, if any, and forgets the trace context: the next line starts afresh.
    public mutating func flush(emit: (MultilineEvent) -> Void) {
        if heldLineOffset != nil, let now = lastLineTime { releaseHeldLine(joining: false, now: now, emit: emit) }
        emitPending(emit)
        discarding = false
        context = .plain
    }

    /// Joins the held exception line to the pending event, or emits both as events of their own.
    private mutating func releaseHeldLine(joining: Bool, now: ContinuousClock.Instant, emit: (MultilineEvent) -> Void) {
        guard let offset = heldLineOffset else { return }
        let line = heldLine
        heldLine.removeAll(keepingCapacity: true)
        heldLineOffset = nil
        line.withUnsafeBufferPointer { line in
            if joining {
                join(line, truncated: heldLineTruncated, now: now, emit: emit)
            } else {
                start(line, offset: offset, truncated: heldLineTruncated, now: now, emit: emit)
                emitPending(emit)
            }
        }
    }

    private mutating func start(
        _ line: UnsafeBufferPointer<UInt8>, offset: Int64, truncated: Bool, now: ContinuousClock.Instant,
        emit: (MultilineEvent) -> Void
    ) {
        emitPending(emit)
        discarding = false
        let fits = line.count <= maximumBytes
        message.append(contentsOf: fits ? line : UnsafeBufferPointer(rebasing: line[..<maximumBytes]))
        lineCount = 1
        self.truncated = truncated || !fits
        pendingOffset = offset
        lastLineTime = now
    }

    private mutating func join(
        _ line: UnsafeBufferPointer<UInt8>, truncated: Bool, now: ContinuousClock.Instant,
        emit: (MultilineEvent) -> Void
    ) {
        lastLineTime = now
        guard !discarding else { return }
        if lineCount + 1 > maximumLines || message.count + 1 + line.count > maximumBytes {
            self.truncated = true
            emitPending(emit)
            discarding = true
            return
        }
        message.append(UInt8(ascii: "\n"))
        message.append(contentsOf: line)
        lineCount += 1
        self.truncated = self.truncated || truncated
    }

    private mutating func emitPending(_ emit: (MultilineEvent) -> Void) {
        guard let offset = pendingOffset else { return }
        // Blank lines join a Go or Python trace in case more of it follows; none may end the event.
        while let last = message.last,
            last == UInt8(ascii: "\n") || last == UInt8(ascii: " ") || last == UInt8(ascii: "\t")
        {
            message.removeLast()
        }
        let event = MultilineEvent(message: message, offset: offset, lineCount: lineCount, truncated: truncated)
        message = []
        lineCount = 0
        truncated = false
        pendingOffset = nil
        emit(event)
    }
}
