import FaultlineCore
import Testing

@testable import FaultlineAgent

/// Detection, signing and per-window aggregation: what ends up in a batch's groups.
@Suite("Aggregator")
struct AggregatorTests {
    private static let apiSource = Batch.Source(kind: "journald", unit: "api.service", identifier: "api")

    private func journalEvent(
        _ message: String, second: Int64, severity: Severity? = .err, identity: String = "api.service",
        cursor: String? = nil
    ) -> LogEvent {
        LogEvent(
            message: Array(message.utf8), time: WireTimestamp(microseconds: 1_700_000_000_000_000 + second * 1_000_000),
            source: identity == "api.service" ? Self.apiSource : Batch.Source(kind: "journald", unit: identity),
            identity: identity, severity: severity, position: .cursor(cursor ?? "s=1;i=\(second)"))
    }

    private func fileEvent(_ message: String, offset: Int64, path: String = "/var/log/app/app.log") -> LogEvent {
        LogEvent(
            message: Array(message.utf8), time: WireTimestamp(microseconds: 1_700_000_000_000_000),
            source: Batch.Source(kind: "file", path: path, app: "app"), identity: "app", severity: nil,
            position: .file(path: path, offset: offset))
    }

    private func aggregate(
        _ events: [LogEvent], configuration: Aggregator.Configuration = .init()
    ) -> [Batch.Group] {
        var signer = EventSigner()
        var aggregator = Aggregator(configuration: configuration)
        for event in events {
            if let (severity, signature) = signer.sign(event) {
                aggregator.add(event, severity: severity, signature: signature)
            }
        }
        return aggregator.drain()
    }

    // MARK: EventSigner

    @Test func journaldEntriesAreErrorsByPriorityAndFileLinesByText() {
        var signer = EventSigner()
        #expect(signer.sign(journalEvent("disk full", second: 0, severity: .crit))?.severity == .crit)
        #expect(signer.sign(journalEvent("ERROR but only a notice", second: 0, severity: .notice)) == nil)
        #expect(signer.sign(fileEvent("2024-01-01 ERROR connection refused", offset: 0))?.severity == .err)
        #expect(signer.sign(fileEvent("2024-01-01 INFO started, 0 errors", offset: 10)) == nil)
        // A journald entry without PRIORITY is left to the text detector.
        #expect(signer.sign(journalEvent("FATAL: out of memory", second: 0, severity: nil))?.severity == .crit)

        let counts = signer.takeCounts()
        let countsAfter = signer.counts
        #expect(counts == EventSigner.Counts(linesRead: 5, errorsSeen: 3))
        #expect(countsAfter == EventSigner.Counts())
    }

    @Test func theMaximumSeverityDecidesForBothKindsOfSource() {
        var signer = EventSigner(detector: .init(maximumSeverity: .warning))
        #expect(signer.sign(journalEvent("low space", second: 0, severity: .warning))?.severity == .warning)
        #expect(signer.sign(fileEvent("WARN low space", offset: 0))?.severity == .warning)
        #expect(signer.sign(journalEvent("started", second: 0, severity: .notice)) == nil)
    }

    @Test func theFingerprintCoversTheMessageAndTheSourceIdentity() throws {
        var signer = EventSigner()
        let signed = [
            journalEvent("connection to 10.0.0.7 refused", second: 0),
            journalEvent("connection to 10.0.0.9 refused", second: 1),
            journalEvent("connection to 10.0.0.7 refused", second: 2, identity: "db.service"),
        ].compactMap { signer.sign($0) }
        try #require(signed.count == 3)
        let (first, second, otherUnit) = (signed[0], signed[1], signed[2])
        #expect(first.signature.template == "connection to <ip> refused")
        #expect(first.signature.fingerprint == second.signature.fingerprint)
        #expect(first.signature.fingerprint != otherUnit.signature.fingerprint)
        #expect(
            first.signature
                == Fingerprinter().sign("connection to 10.0.0.7 refused", source: "api.service"))
    }

    // MARK: Aggregation

    @Test func countsTimesSeverityAndTheFirstThreeSamples() throws {
        let events = [
            journalEvent("timeout after 30 ms", second: 5, cursor: "c5"),
            journalEvent("timeout after 31 ms", second: 2, cursor: "c2"),
            journalEvent("timeout after 32 ms", second: 9, severity: .crit, cursor: "c9"),
            journalEvent("timeout after 33 ms", second: 7, cursor: "c7"),
            journalEvent("timeout after 34 ms", second: 6, severity: .warning, cursor: "c6"),
        ]
        let groups = aggregate(events)
        let group = try #require(groups.first)
        #expect(groups.count == 1)
        #expect(group.count == 4)
        #expect(group.template == "timeout after <duration>")
        #expect(
            group.fingerprint
                == Fingerprinter().sign("timeout after 30 ms", source: "api.service").fingerprint.description)
        #expect(group.algorithm == Fingerprinter.algorithmVersion)
        #expect(group.source == Self.apiSource)
        #expect(group.severity == "crit")
        #expect(group.firstSeen == events[1].time)
        #expect(group.lastSeen == events[2].time)
        #expect(group.samples.map(\.text) == ["timeout after 30 ms", "timeout after 31 ms", "timeout after 32 ms"])
        #expect(group.samples.map(\.cursor) == ["c5", "c2", "c9"])
        #expect(group.samples.allSatisfy { $0.position == nil })
        #expect(group.samples[0].time == events[0].time)
    }

    @Test func fileSamplesCarryPathAndOffset() throws {
        let groups = aggregate([
            fileEvent("ERROR disk /dev/sda1 full", offset: 0),
            fileEvent("ERROR disk /dev/sdb1 full", offset: 4096),
        ])
        let group = try #require(groups.first)
        #expect(group.count == 2)
        #expect(group.samples.map(\.position) == ["/var/log/app/app.log:0", "/var/log/app/app.log:4096"])
        #expect(group.samples.allSatisfy { $0.cursor == nil })
        #expect(group.source == Batch.Source(kind: "file", path: "/var/log/app/app.log", app: "app"))
    }

    @Test func groupsComeInFirstArrivalOrderAndDrainStartsAnEmptyWindow() {
        var signer = EventSigner()
        var aggregator = Aggregator()
        for (index, text) in ["beta failed", "alpha failed", "beta failed", "gamma failed"].enumerated() {
            let event = journalEvent(text, second: Int64(index))
            let (severity, signature) = signer.sign(event)!
            aggregator.add(event, severity: severity, signature: signature)
        }
        #expect(aggregator.groupCount == 3)
        let groups = aggregator.drain()
        #expect(groups.map(\.template) == ["beta failed", "alpha failed", "gamma failed"])
        #expect(groups.map(\.count) == [2, 1, 1])
        #expect(aggregator.isEmpty)
        #expect(aggregator.drain().isEmpty)
    }

    @Test func samplesAreCutAtACharacterBoundaryAndMarked() {
        // 10 bytes: "ab" then two 4-byte characters.
        let message = Array("ab😀😀".utf8)
        #expect(Aggregator.sampleText(message, limit: 10, truncated: false) == "ab😀😀")
        // The 3-byte mark leaves 6 bytes under a 9-byte limit, 5 under an 8-byte one: the first emoji would be cut.
        #expect(Aggregator.sampleText(message, limit: 9, truncated: false) == "ab😀…")
        #expect(Aggregator.sampleText(message, limit: 8, truncated: false) == "ab…")
        #expect(Aggregator.sampleText(message, limit: 10, truncated: true) == "ab😀😀…")
        #expect(Aggregator.sampleText([0x61, 0xFF, 0x62], limit: 10, truncated: false) == "a\u{FFFD}b")

        let long = String(repeating: "x", count: 10_000)
        let groups = aggregate(
            [journalEvent("ERROR " + long, second: 0)], configuration: .init(maximumSampleBytes: 4096))
        #expect(groups.first?.samples.first?.text.utf8.count == 4096)
        #expect(groups.first?.samples.first?.text.hasSuffix("x…") == true)
    }

    @Test func newFingerprintsPastTheLimitFoldIntoTheirSourcesOverflowGroup() throws {
        let events = [
            journalEvent("first kind of failure", second: 0),
            journalEvent("second kind of failure", second: 1),
            journalEvent("third kind of failure", second: 2, cursor: "third"),
            journalEvent("first kind of failure", second: 3),
            journalEvent("fourth kind of failure", second: 4, severity: .alert),
            journalEvent("fifth kind of failure", second: 5, identity: "db.service"),
            journalEvent("sixth kind of failure", second: 6, identity: "cron.service"),
            journalEvent("seventh kind of failure", second: 7, identity: "mail.service"),
        ]
        let groups = aggregate(events, configuration: .init(maximumGroups: 2, maximumOverflowGroups: 2))
        #expect(groups.map(\.count) == [2, 1, 2, 1, 2])
        #expect(groups.reduce(0) { $0 + $1.count } == events.count)

        // Known fingerprints are still counted; new ones fold per source identity.
        let apiOverflow = groups[2]
        #expect(apiOverflow.template == Aggregator.overflowTemplate)
        #expect(
            apiOverflow.fingerprint
                == Fingerprinter.fingerprint(template: Aggregator.overflowTemplate, source: "api.service").description)
        #expect(apiOverflow.samples.map(\.text) == ["third kind of failure", "fourth kind of failure"])
        #expect(apiOverflow.samples.first?.cursor == "third")
        #expect(apiOverflow.severity == "alert")
        #expect(apiOverflow.source == Self.apiSource)
        #expect(groups[3].source.unit == "db.service")

        // Past the overflow groups' own limit, one last group without a source identity takes the rest.
        let lastResort = groups[4]
        #expect(
            lastResort.fingerprint
                == Fingerprinter.fingerprint(template: Aggregator.overflowTemplate, source: "").description)
        #expect(lastResort.source == Batch.Source(kind: "journald"))
        #expect(lastResort.samples.map(\.text) == ["sixth kind of failure", "seventh kind of failure"])
    }

    @Test func theByteBudgetFoldsNewFingerprintsAndStopsExtraSamples() {
        let padding = String(repeating: "y", count: 300)
        let events = [
            journalEvent("alpha failed " + padding, second: 0),
            journalEvent("alpha failed " + padding, second: 1),
            journalEvent("beta failed " + padding, second: 2),
        ]
        // The first event's template (16 bytes) and sample (313 bytes) use up the budget.
        let groups = aggregate(events, configuration: .init(maximumBytes: 300))
        #expect(groups.map(\.template) == ["alpha failed <*>", Aggregator.overflowTemplate])
        #expect(groups[0].count == 2)
        #expect(groups[0].samples.count == 1)
    }
}
