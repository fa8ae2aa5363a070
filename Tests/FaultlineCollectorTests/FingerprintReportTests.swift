import FaultlineCore
import Testing

@testable import FaultlineCollector

/// A batch's entries are added up per fingerprint before they wait for the writer.
@Suite struct FingerprintReportTests {
    @Test func entriesOfOneFingerprintAreAddedUp() throws {
        var first = TestBatches.group("disk /dev/sda1 is full", count: 2, at: TestBatches.time(10))
        first.severity = "warning"
        var second = TestBatches.group("disk /dev/sda1 is full", count: 3, at: TestBatches.time(20), samples: 2)
        second.severity = "err"
        let other = TestBatches.group("session closed for user alice", count: 7)
        let batch = TestBatches.batch("1", groups: [first, other, second])

        let reports = FingerprintReport.reports(in: batch)
        #expect(reports.map(\.fingerprint.description) == [first.fingerprint, other.fingerprint])
        let disk = reports[0]
        #expect(disk.count == 5)
        #expect(disk.severity == "err", "the most severe entry's")
        #expect(disk.firstSeen == min(first.firstSeen, second.firstSeen))
        #expect(disk.lastSeen == max(first.lastSeen, second.lastSeen))
        #expect(disk.samples == first.samples + second.samples)
        #expect(disk.template == first.template)
        #expect(reports[1].count == 7)
    }
}
