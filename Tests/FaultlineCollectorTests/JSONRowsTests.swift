import FaultlineCore
import SQLKit
import Testing

@testable import FaultlineCollector

extension DatabaseTests {
    /// Rows bound as one JSON value come back from the database's derived table as they were added.
    @Suite struct JSONRowsTests {
        @Test(arguments: DatabaseEngine.allCases)
        func rowsComeBackAsWrittenInOrder(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let integers: [Int64] = [
                    0, 7, -1, 1_733_150_000_123_456, -1_733_150_000_123_456, 10_000_000_000_000_000, .max, .min,
                ]
                let texts = ["plain", "quote \" backslash \\ tab \t newline \n", "é 🚀 \u{7F}", "", "<b>&amp;</b>"]
                let fingerprint = Fingerprint(rawValue: 0x00ab_cdef_0123_4567)
                var rows = JSONRows(("n", .integer), ("t", .text), ("f", .text))
                for (index, number) in integers.enumerated() {
                    rows.append([
                        .integer(number), .text(texts[index % texts.count]),
                        .text(Fingerprint(rawValue: UInt64(index)).description),
                    ])
                }
                rows.append([.null, .text("nul \u{0} inside"), .text(GroupID(founder: fingerprint).description)])
                rows.append([.integer(1), .text(nil), .null])
                let read = try await test.store.withConnection { database in
                    try await database.raw("SELECT n, t, f FROM \(rows.table(engine))").all().map { row in
                        (
                            try row.decode(column: "n", as: Int64?.self), try row.decode(column: "t", as: String?.self),
                            try row.decode(column: "f", as: String?.self)
                        )
                    }
                }
                #expect(read.count == integers.count + 2)
                for (index, number) in integers.enumerated() where index < read.count {
                    #expect(read[index].0 == number)
                    #expect(read[index].1 == texts[index % texts.count])
                    #expect(read[index].2 == Fingerprint(rawValue: UInt64(index)).description)
                }
                guard read.count == integers.count + 2 else { return }
                let groupRow = read[integers.count]
                #expect(groupRow.0 == nil)
                #expect(
                    groupRow.1 == "nul \u{FFFD} inside", "PostgreSQL text cannot hold NUL: both engines store U+FFFD")
                #expect(groupRow.2 == "00abcdef01234567")
                #expect(read[integers.count + 1].1 == nil && read[integers.count + 1].2 == nil)
            }
        }
    }
}
