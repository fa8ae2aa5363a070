import FaultlineCore

/// The checks a decoded batch must pass before it is stored: what JSON decoding alone does not catch.
///
/// Each failure names the field: `groups[3].fingerprint: expected 16 hex digits, found "9f2c"`.
public struct BatchValidator: Sendable {
    /// How far ahead of the collector's clock an agent's times may be.
    public var allowedClockSkew: Duration
    /// Times before this are refused: a host whose clock was never set.
    public var earliestTime: WireTimestamp

    /// The severities the wire format uses.
    static let severities: Set<String> = Set(Severity.allCases.map(\.description))
    /// The source kinds of the v1 wire format.
    static let sourceKinds: Set<String> = ["journald", "file"]

    /// Creates a validator.
    public init(
        allowedClockSkew: Duration = .seconds(24 * 3600),
        earliestTime: WireTimestamp = WireTimestamp(microseconds: 946_684_800_000_000)  // 2000-01-01
    ) {
        self.allowedClockSkew = allowedClockSkew
        self.earliestTime = earliestTime
    }

    /// Throws the first problem found in `batch`, received at `receivedAt` by the collector's clock.
    public func validate(_ batch: Batch, receivedAt: WireTimestamp) throws(BatchRejection) {
        let latest = WireTimestamp(
            microseconds: receivedAt.microseconds + allowedClockSkew.components.seconds * 1_000_000)
        func fail(_ field: String, _ problem: String) -> BatchRejection {
            BatchRejection(.malformed, "\(field): \(problem)")
        }
        // Field names are built only for an error: a batch has hundreds of fields.
        func checkTime(_ time: WireTimestamp, _ field: @autoclosure () -> String) throws(BatchRejection) {
            if time < earliestTime || time > latest {
                throw fail(field(), "\(time) is not a plausible time (the agent's clock may be wrong)")
            }
        }
        func checkText(
            _ text: String, _ field: @autoclosure () -> String, maximum: Int, allowEmpty: Bool = false
        ) throws(BatchRejection) {
            if !allowEmpty && text.isEmpty { throw fail(field(), "must not be empty") }
            if text.utf8.count > maximum { throw fail(field(), "longer than \(maximum) bytes") }
        }

        guard batch.schema == Batch.currentSchema else {
            throw fail(
                "schema",
                "version \(batch.schema) is not supported; this collector reads version \(Batch.currentSchema)")
        }
        try checkText(batch.batchID, "batch_id", maximum: 200)
        if batch.batchID.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw fail("batch_id", "must not contain control characters")
        }
        try checkText(batch.agent.id, "agent.id", maximum: 200)
        try checkText(batch.agent.host, "agent.host", maximum: 255)
        try checkText(batch.agent.version, "agent.version", maximum: 100)
        try checkTime(batch.window.start, "window.start")
        try checkTime(batch.window.end, "window.end")
        if batch.window.end < batch.window.start {
            throw fail("window.end", "\(batch.window.end) is before window.start \(batch.window.start)")
        }
        for (name, value) in [
            ("lines_read", batch.health.linesRead), ("errors_seen", batch.health.errorsSeen),
            ("lines_lost", batch.health.linesLost), ("spool_bytes", batch.health.spoolBytes),
        ] where value < 0 {
            throw fail("health.\(name)", "must not be negative, found \(value)")
        }
        for (index, group) in batch.groups.enumerated() {
            var field: String { "groups[\(index)]" }
            guard Self.isFingerprint(group.fingerprint) else {
                throw fail("\(field).fingerprint", "expected 16 hex digits, found \(Self.quoted(group.fingerprint))")
            }
            if group.algorithm < 1 {
                throw fail("\(field).algorithm", "must be at least 1, found \(group.algorithm)")
            }
            try checkText(group.template, "\(field).template", maximum: 64 << 10)
            guard Self.sourceKinds.contains(group.source.kind) else {
                throw fail(
                    "\(field).source.kind", "expected \"journald\" or \"file\", found \(Self.quoted(group.source.kind))"
                )
            }
            guard Self.severities.contains(group.severity) else {
                let names = Severity.allCases.map(\.description).joined(separator: ", ")
                throw fail("\(field).severity", "expected one of \(names), found \(Self.quoted(group.severity))")
            }
            if group.count < 1 {
                throw fail("\(field).count", "must be at least 1, found \(group.count)")
            }
            try checkTime(group.firstSeen, "\(field).first_seen")
            try checkTime(group.lastSeen, "\(field).last_seen")
            if group.lastSeen < group.firstSeen {
                throw fail("\(field).last_seen", "\(group.lastSeen) is before first_seen \(group.firstSeen)")
            }
            for (sampleIndex, sample) in group.samples.enumerated() {
                try checkTime(sample.time, "\(field).samples[\(sampleIndex)].time")
                try checkText(sample.text, "\(field).samples[\(sampleIndex)].text", maximum: 64 << 10, allowEmpty: true)
            }
        }
    }

    /// Exactly 16 hex digits.
    static func isFingerprint(_ text: String) -> Bool {
        Fingerprint(hex: text) != nil
    }

    /// A value as a message quotes it, cut to a readable length.
    private static func quoted(_ text: String) -> String {
        let shown = text.count > 40 ? text.prefix(40) + "…" : Substring(text)
        return "\"\(shown)\""
    }
}
