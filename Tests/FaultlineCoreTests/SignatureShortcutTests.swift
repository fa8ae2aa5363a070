import Testing

@testable import FaultlineCore

/// The shortcuts the templater takes for speed (a byte-kind table, quick tests before word lookups, plain
/// tokens copied without masking, memory reused between messages) must give the templates the long way gives.
@Suite struct SignatureShortcutTests {
    /// Signs `message` with a fixed source and returns its template.
    private func template(_ message: String, with fingerprinter: Fingerprinter = Fingerprinter()) -> String {
        fingerprinter.sign(message, source: "test.service").template
    }

    @Test func byteKindTableAgreesWithTheByteTests() {
        let kinds = ByteClass.kinds
        #expect(kinds.utf8CodeUnitCount == 256)
        for value in 0...255 {
            let byte = UInt8(value)
            let expected: UInt8
            if ByteClass.isSeparator(byte) {
                expected = ByteClass.separator
            } else if ByteClass.isDigit(byte) {
                expected = ByteClass.digit
            } else if ByteClass.isLetter(byte) || byte >= 0x80 {
                expected = ByteClass.plain
            } else {
                expected = ByteClass.punctuation
            }
            #expect(kinds.utf8Start[value] == expected, "byte \(value)")
        }
    }

    /// Every spelling the calendar lists hold passes the quick test on its second and third letters, in any case.
    @Test func calendarPrefixTestLetsEveryCalendarWordThrough() {
        let words = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "january",
            "february", "march", "april", "june", "july", "august", "september", "october", "november", "december",
            "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday", "friday",
            "saturday", "sunday",
        ]
        for word in words {
            for spelling in [word, word.uppercased(), word.prefix(1).uppercased() + word.dropFirst()] {
                let bytes = Array(spelling.utf8)
                let packed = bytes.withUnsafeBufferPointer { Words.packed($0.baseAddress!, 0, $0.count) }
                #expect(packed.map(Words.isCalendarWord) == true, "\(spelling)")
                #expect(Words.isCalendarPrefix(bytes[1], bytes[2]), "\(spelling)")
            }
        }
    }

    @Test(arguments: [
        FingerprinterTests.Case("flag NULL set", "flag <bool> set"),
        FingerprinterTests.Case("value nil here", "value <bool> here"),
        FingerprinterTests.Case("result None", "result <bool>"),
        FingerprinterTests.Case("FALSE positive", "<bool> positive"),
        FingerprinterTests.Case("True story", "<bool> story"),
        FingerprinterTests.Case("trux nope nils fa", "trux nope nils fa"),
    ])
    func booleansInAnyCaseAndNearMisses(_ example: FingerprinterTests.Case) {
        #expect(template(example.message) == example.template)
    }

    /// Tokens whose punctuation is all stripped, or that have none, take the plain path.
    @Test(arguments: [
        FingerprinterTests.Case("(42), [7] {1}; <3>", "(<num>), [<num>] {<num>}; <<num>>"),
        FingerprinterTests.Case("read 123456789012345678901234567890123456 bytes", "read <size>"),
        FingerprinterTests.Case("see Jul, 3", "see <time>"),
        FingerprinterTests.Case("JUN,, 2024 report", "<time> report"),
        FingerprinterTests.Case("tue, wed, 10:00", "tue, <time>"),
        FingerprinterTests.Case("Wednesday, September 5", "<time>"),
        FingerprinterTests.Case("key= =value a==b", "key= =value a=<*>"),
        FingerprinterTests.Case("x=(1,2,3) y=[a,b]", "x=(<num>) y=<*>]"),
        FingerprinterTests.Case("abc123 0x1f 99bottles", "<*> <num> <*>"),
        FingerprinterTests.Case("naïve café 42", "naïve café <num>"),
    ])
    func plainAndStrippedTokens(_ example: FingerprinterTests.Case) {
        #expect(template(example.message) == example.template)
    }

    /// A fingerprinter reuses its memory: after a huge message made it grow (and shrink back), and after
    /// other messages, it signs a message exactly as a fresh one does.
    @Test func reusedFingerprinterSignsLikeAFreshOne() {
        let messages = [
            String(repeating: "x=\"a b\" 42ms (7) Jul 3 ", count: 20_000),
            "connection to 10.0.0.7 refused after 3 retries",
            "",
            "   ",
            "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010",
            String(repeating: "word ", count: 1000),
            "uploaded 5.2 KB in 3 seconds",
        ]
        let shared = Fingerprinter()
        for _ in 0..<2 {
            for message in messages {
                #expect(shared.sign(message, source: "a") == Fingerprinter().sign(message, source: "a"))
                #expect(shared.sign(message, source: "b") == Fingerprinter().sign(message, source: "b"))
            }
        }
    }

    /// One fingerprinter used from many tasks at once: a caller that finds its memory busy works in its own.
    @Test func sharedFingerprinterSignsConcurrently() async {
        let shared = Fingerprinter()
        let messages = (0..<200).map { "request \($0) from 10.0.0.\($0 % 256) took \($0)ms on Jul \($0 % 28 + 1)" }
        let expected = messages.map { Fingerprinter().sign($0, source: "api") }
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var same = true
                    for _ in 0..<20 {
                        for (message, signature) in zip(messages, expected) {
                            same = same && shared.sign(message, source: "api") == signature
                        }
                    }
                    return same
                }
            }
            for await same in group {
                #expect(same)
            }
        }
    }
}
