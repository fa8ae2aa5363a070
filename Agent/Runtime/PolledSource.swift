import FaultlineCore

#if canImport(Glibc)
    import Glibc
#endif

/// What the runtime's poll loop needs of a source: a descriptor to wait on, a bounded read, and the
/// checkpoints that describe exactly what was handed to the pipeline.
protocol PolledSource: AnyObject {
    /// The descriptor `poll(2)` watches.
    var pollDescriptor: Int32 { get }
    /// The `poll(2)` events to watch for.
    var pollEvents: Int16 { get }
    /// Hands up to `maximumEvents` events to `emit`; `true` when more are waiting.
    func read(maximumEvents: Int, emit: (LogEvent) -> Void) throws -> Bool
    /// Timed work: rescans, multi-line events whose wait expired.
    func tick(now: WireTimestamp, emit: (LogEvent) -> Void) throws
    /// How long the loop may sleep before ``tick(now:emit:)`` has work to do; `nil` for never.
    var timeUntilNextTick: Duration? { get }
    /// The positions to save with the next batch.
    func checkpoints() -> [SourceCheckpoint]
    /// Lines (entries) lost so far: rotated or vacuumed away before they were read.
    var linesLost: Int { get }
    /// Whether a saved checkpoint key belongs to this source (so a row it no longer reports can be dropped).
    func owns(checkpointKey: String) -> Bool
    /// Problems with single inputs since the last call, for the log.
    func takeProblemDescriptions() -> [String]
}

extension JournaldSource: PolledSource {
    func tick(now: WireTimestamp, emit: (LogEvent) -> Void) throws {}

    var timeUntilNextTick: Duration? { nil }

    func owns(checkpointKey: String) -> Bool { checkpointKey == Self.checkpointKey }

    func takeProblemDescriptions() -> [String] { [] }
}

extension FileTailSource: PolledSource {
    var pollEvents: Int16 { Int16(POLLIN) }

    func read(maximumEvents: Int, emit: (LogEvent) -> Void) throws -> Bool {
        try read(maximumEvents: maximumEvents, now: .now, emit: emit)
    }

    func tick(now: WireTimestamp, emit: (LogEvent) -> Void) throws {
        let instant = ContinuousClock.now
        rescanIfDue(now: instant)
        flushPendingMultiline(now: instant, emit: emit)
    }

    var timeUntilNextTick: Duration? { max(.zero, ContinuousClock.now.duration(to: nextDeadline)) }

    func owns(checkpointKey: String) -> Bool { owns(SourceCheckpoint(key: checkpointKey, state: "")) }

    func takeProblemDescriptions() -> [String] { takeProblems().map { "\($0)" } }
}
