import FaultlineCore

/// Folds the error events of one flush window into one ``Batch/Group`` per fingerprint: count, first and last
/// seen, template, most urgent severity, source, and the first few occurrences as samples.
///
/// Memory is bounded whatever the logs do. A window holds at most ``Configuration/maximumGroups`` fingerprints
/// and ``Configuration/maximumBytes`` of templates and sample text. An event whose fingerprint is already in the
/// window is always counted. An event with a new fingerprint when either limit is reached is folded into the
/// *overflow group* of its source identity instead: a group with the fixed template ``overflowTemplate``,
/// counted, timed and sampled like any other, so an error storm of ever-different messages still reaches the
/// collector as a count with raw samples rather than vanishing. Overflow groups are limited too
/// (``Configuration/maximumOverflowGroups``); past that, events fold into one last overflow group with an
/// empty identity. Nothing is ever dropped: every error event is counted in some group.
///
/// Not thread-safe (a value type): the task that reads the sources owns it.
///
/// ```swift
/// aggregator.add(event, severity: severity, signature: signature)   // for each error event
/// let groups = aggregator.drain()                                     // every flush interval
/// ```
public struct Aggregator: Sendable {
    /// The limits of one window.
    public struct Configuration: Sendable {
        /// Distinct fingerprints per window before new ones fold into overflow groups; 10,000 by default.
        public var maximumGroups: Int
        /// Overflow groups (one per source identity) per window before the last, shared one; 100 by default.
        public var maximumOverflowGroups: Int
        /// Raw occurrences kept per group; 3 by default.
        public var maximumSamples: Int
        /// Bytes of message kept per sample (cut at a UTF-8 character boundary, marked with `…`); 4 KiB by default.
        public var maximumSampleBytes: Int
        /// Bytes of templates and samples per window; past it new fingerprints fold into overflow groups and
        /// groups keep only the samples they already have. 8 MiB by default.
        public var maximumBytes: Int

        /// Creates a configuration; the defaults keep a window under about 10 MiB of memory.
        public init(
            maximumGroups: Int = 10_000, maximumOverflowGroups: Int = 100, maximumSamples: Int = 3,
            maximumSampleBytes: Int = 4096, maximumBytes: Int = 8 << 20
        ) {
            precondition(maximumGroups >= 0 && maximumOverflowGroups >= 0, "group limits must not be negative")
            precondition(maximumSamples >= 1 && maximumSampleBytes >= 4, "keep at least one sample of 4 bytes")
            self.maximumGroups = maximumGroups
            self.maximumOverflowGroups = maximumOverflowGroups
            self.maximumSamples = maximumSamples
            self.maximumSampleBytes = maximumSampleBytes
            self.maximumBytes = maximumBytes
        }
    }

    /// The template of overflow groups; its fingerprint is this template signed with the source identity.
    public static let overflowTemplate =
        "faultline-agent: more distinct errors than the per-window limit; see the samples for some of them"

    private struct Tally: Sendable {
        var group: Batch.Group
        var severity: Severity
        var order: Int
    }

    private let configuration: Configuration
    private var tallies: [Fingerprint: Tally] = [:]
    private var regularGroups = 0
    private var overflowGroups = 0
    private var bytes = 0

    /// Creates an empty aggregator.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// True when no event was added since the last ``drain()``.
    public var isEmpty: Bool { tallies.isEmpty }

    /// The number of groups the window holds, overflow groups included.
    public var groupCount: Int { tallies.count }

    /// Adds one error event, with the severity and signature ``EventSigner`` gave it.
    public mutating func add(_ event: LogEvent, severity: Severity, signature: Signature) {
        if tallies[signature.fingerprint] != nil {
            update(signature.fingerprint, with: event, severity: severity)
            return
        }
        let templateBytes = signature.template.utf8.count
        if regularGroups < configuration.maximumGroups, bytes + templateBytes <= configuration.maximumBytes {
            regularGroups += 1
            insert(signature.fingerprint, template: signature.template, algorithm: signature.algorithm, event, severity)
            return
        }
        var identity = event.identity
        var fingerprint = Fingerprinter.fingerprint(template: Self.overflowTemplate, source: identity)
        if tallies[fingerprint] == nil, overflowGroups >= configuration.maximumOverflowGroups {
            identity = ""
            fingerprint = Fingerprinter.fingerprint(template: Self.overflowTemplate, source: identity)
        }
        if tallies[fingerprint] != nil {
            update(fingerprint, with: event, severity: severity)
        } else {
            overflowGroups += 1
            var overflowEvent = event
            // The shared last group names no unit or file: its events come from many.
            if identity.isEmpty { overflowEvent.source = Batch.Source(kind: event.source.kind) }
            insert(
                fingerprint, template: Self.overflowTemplate, algorithm: Fingerprinter.algorithmVersion, overflowEvent,
                severity)
        }
    }

    /// Returns the window's groups in the order their first event arrived, and starts an empty window.
    public mutating func drain() -> [Batch.Group] {
        defer {
            tallies = [:]
            regularGroups = 0
            overflowGroups = 0
            bytes = 0
        }
        return tallies.values.sorted { $0.order < $1.order }.map(\.group)
    }

    private mutating func insert(
        _ fingerprint: Fingerprint, template: String, algorithm: Int, _ event: LogEvent, _ severity: Severity
    ) {
        bytes += template.utf8.count
        let sample = makeSample(event)
        bytes += sample.text.utf8.count
        let group = Batch.Group(
            fingerprint: fingerprint.description, algorithm: algorithm, template: template, source: event.source,
            severity: severity.description, count: 1, firstSeen: event.time, lastSeen: event.time, samples: [sample])
        tallies[fingerprint] = Tally(group: group, severity: severity, order: tallies.count)
    }

    private mutating func update(_ fingerprint: Fingerprint, with event: LogEvent, severity: Severity) {
        guard var tally = tallies.removeValue(forKey: fingerprint) else { return }
        tally.group.count += 1
        tally.group.firstSeen = min(tally.group.firstSeen, event.time)
        tally.group.lastSeen = max(tally.group.lastSeen, event.time)
        if severity < tally.severity {
            tally.severity = severity
            tally.group.severity = severity.description
        }
        if tally.group.samples.count < configuration.maximumSamples, bytes < configuration.maximumBytes {
            let sample = makeSample(event)
            bytes += sample.text.utf8.count
            tally.group.samples.append(sample)
        }
        tallies[fingerprint] = tally
    }

    private func makeSample(_ event: LogEvent) -> Batch.Sample {
        let text = Self.sampleText(event.message, limit: configuration.maximumSampleBytes, truncated: event.truncated)
        switch event.position {
        case .cursor(let cursor):
            return Batch.Sample(time: event.time, text: text, cursor: cursor)
        case .file(let path, let offset):
            return Batch.Sample(time: event.time, text: text, position: "\(path):\(offset)")
        }
    }

    /// The message as lossy UTF-8, cut to at most `limit` bytes at a character boundary; `…` marks a cut.
    static func sampleText(_ message: [UInt8], limit: Int, truncated: Bool) -> String {
        guard message.count > limit else {
            let text = String(decoding: message, as: UTF8.self)
            return truncated ? text + "…" : text
        }
        // "…" takes 3 bytes; back off over UTF-8 continuation bytes (10xxxxxx) so no character is split.
        var end = limit - 3
        while end > 0, message[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: message[..<end], as: UTF8.self) + "…"
    }
}
