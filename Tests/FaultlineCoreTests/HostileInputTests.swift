import Testing

@testable import FaultlineCore

/// Log lines are hostile input: huge, binary, malformed. Signing must always return a template and the
/// same fingerprint every time, and must never crash. (No timing assertions: a hang shows as a test
/// that never finishes.)
@Suite struct HostileInputTests {
    static let megabyte = 1 << 20

    /// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so random inputs are the same in
    /// every run and a failure can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        private var state: UInt64

        init(seed: UInt64) {
            state = seed
        }

        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }

        /// `count` random bytes.
        mutating func bytes(_ count: Int) -> [UInt8] {
            var result: [UInt8] = []
            result.reserveCapacity(count + 8)
            while result.count < count {
                withUnsafeBytes(of: next().littleEndian) { result.append(contentsOf: $0) }
            }
            return Array(result.prefix(count))
        }
    }

    /// Signs `bytes` twice, from two separate copies, and checks that both signatures agree and that the
    /// fingerprint is the one of the template; returns the signature.
    @discardableResult
    private func signTwice(
        _ bytes: [UInt8],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Signature {
        let source = "hostile.service"
        let first = bytes.withUnsafeBufferPointer { Fingerprinter().sign($0, source: source) }
        let copy = Array(bytes)
        let second = copy.withUnsafeBufferPointer { Fingerprinter().sign($0, source: source) }
        #expect(first == second, sourceLocation: sourceLocation)
        #expect(
            first.fingerprint == Fingerprinter.fingerprint(template: first.template, source: source),
            sourceLocation: sourceLocation
        )
        #expect(first.algorithm == Fingerprinter.algorithmVersion, sourceLocation: sourceLocation)
        return first
    }

    /// Signs a string (as UTF-8) twice; see ``signTwice(_:sourceLocation:)``.
    @discardableResult
    private func signTwice(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Signature {
        signTwice(Array(text.utf8), sourceLocation: sourceLocation)
    }

    /// `words` repeated until the text reaches `length` bytes.
    private func repeated(_ words: String, toLength length: Int) -> String {
        String(repeating: words, count: length / words.utf8.count + 1)
    }

    // MARK: - Size

    @Test func megabyteLineKeepsOnlyTheFirstTokens() {
        let signature = signTwice(repeated("ERROR request 42 failed ", toLength: Self.megabyte))
        let expected = Array(
            repeating: "ERROR request <num> failed",
            count: LineTemplater.maximumTokens / 4
        ).joined(separator: " ")
        #expect(signature.template == expected)
    }

    @Test func megabyteWithoutSpacesIsOneVariable() {
        #expect(signTwice(String(repeating: "a", count: Self.megabyte)).template == "<*>")
        #expect(signTwice(String(repeating: "7", count: Self.megabyte)).template == "<*>")
        #expect(
            signTwice("error " + String(repeating: "x1", count: Self.megabyte / 2) + " end").template
                == "error <*> end")
    }

    @Test func megabyteOfLineBreaksAndGoroutineHeaders() {
        // Many lines that look like the start of a Go trace but hold no panic: not a trace.
        let signature = signTwice(repeated("goroutine 7 [running]:\n", toLength: Self.megabyte))
        let tokens = ["goroutine", "<num>", "[running]:"]
        #expect(
            signature.template
                == (0..<LineTemplater.maximumTokens).map { tokens[$0 % 3] }.joined(separator: " ")
        )
        // Many frames after a real panic: the frame count stays bounded.
        let trace = signTwice(
            "panic: boom\n\ngoroutine 1 [running]:\n" + repeated("main.f()\n\t/a.go:1 +0x1\n", toLength: Self.megabyte))
        #expect(
            trace.template == "panic: boom"
                + String(repeating: "\n  at main.f", count: StackTraceTemplater.maximumFrames))
    }

    // MARK: - Bytes

    @Test func nulBytesSeparateTokens() {
        #expect(signTwice("disk\0full at sector\0 42").template == "disk full at sector <num>")
        #expect(signTwice([UInt8](repeating: 0, count: 1000)).template == "")
        #expect(signTwice([UInt8](repeating: 0, count: Self.megabyte)).template == "")
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        // A lone continuation byte, a lead byte without its continuation, a truncated 3-byte sequence,
        // an overlong encoding and a surrogate.
        let bytes: [UInt8] =
            Array("error ".utf8) + [0xff, 0xfe] + Array(" ".utf8) + [0xc3, 0x28] + Array(" ".utf8) + [0xe2, 0x82]
            + Array(" ".utf8) + [0xc0, 0xaf] + Array(" ".utf8) + [0xed, 0xa0, 0x80] + Array(" at 0x1F".utf8)
        let signature = signTwice(bytes)
        #expect(
            signature.template
                == "error \u{FFFD}\u{FFFD} \u{FFFD}( \u{FFFD} \u{FFFD}\u{FFFD} \u{FFFD}\u{FFFD}\u{FFFD} at <num>"
        )
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomBinary(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<64 {
            let length = Int(random.next() % 4096)
            signTwice(random.bytes(length))
        }
        signTwice(random.bytes(Self.megabyte))
    }

    /// Random lines built from log-like fragments, so the classifiers see near misses of every class.
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func randomLogFragments(seed: UInt64) {
        let fragments = [
            "=", "\"", "'", "(", ")", "[", "]", "{", "}", ":", ",", ".", "/", "\\", "@", "-", "+", "0x", "12",
            "3.5", "ms", "KB", "Jul", "Sun", "2026-11-21", "T", "10:00", ":00", "Z", "::", "ff", "http://",
            "true", "user", "ERROR", " ", "\t", "\n", "at ", "Traceback (most recent call last):", "goroutine ",
            "panic: ", "Caused by: ", "File \"", "\", line ", ", in ", "\u{1b}[31m", "é", "\u{FFFD}",
        ]
        var random = SplitMix64(seed: seed)
        for _ in 0..<500 {
            var line = ""
            for _ in 0..<Int(random.next() % 80) { line += fragments[Int(random.next() % UInt64(fragments.count))] }
            signTwice(line)
        }
    }

    // MARK: - Nesting and quotes

    @Test func deeplyNestedKeyValues() {
        let letters = "abcdefghijklmnopqrstuvwxyz".map(String.init)
        let short = (0..<100).map { letters[$0 % 26] }.joined(separator: "=")
        #expect(signTwice("config " + short).template == "config a=b=c=d=e=f=g=h=<*>")
        let long = (0..<Self.megabyte / 2).map { letters[$0 % 26] }.joined(separator: "=")
        #expect(signTwice("config " + long).template == "config <*>")
    }

    @Test func deeplyNestedBrackets() {
        #expect(signTwice(String(repeating: "(", count: 200)).template == String(repeating: "(", count: 200))
        #expect(signTwice(String(repeating: "(", count: Self.megabyte)).template == "<*>")
        // Within the token length limit: split at every `(`, each part classified.
        let nested = String(repeating: "f(", count: 50) + "1" + String(repeating: ")", count: 50)
        #expect(
            signTwice("call " + nested).template
                == "call " + String(repeating: "f(", count: 50) + "<num>" + String(repeating: ")", count: 50)
        )
        #expect(
            signTwice("call " + String(repeating: "((((((", count: Self.megabyte / 6) + " end").template
                == "call <*> end")
    }

    @Test func manyQuotes() {
        #expect(signTwice(String(repeating: "\"", count: 100_000)).template == "<*>")
        #expect(signTwice(String(repeating: "'", count: 100_000)).template == "<*>")
        // A double quote that closes only in a later token is not a quoted value (unless after `key=`).
        let spaced = signTwice(String(repeating: "\" ", count: 100_000))
        #expect(spaced.template == Array(repeating: "\"", count: LineTemplater.maximumTokens).joined(separator: " "))
        // After `key=`, a quote may close in a later token: each pair of tokens is one quoted value.
        let alternating = signTwice(String(repeating: "a=\"b ", count: 100_000))
        #expect(
            alternating.template
                == Array(repeating: "a=<quoted>b", count: LineTemplater.maximumTokens).joined(separator: " ")
        )
    }

    @Test func unterminatedQuotes() {
        // An unterminated value is still the value of its key.
        #expect(
            signTwice(#"msg="never closed and then 42 more words"#).template
                == "msg=<*> closed and then <num> more words")
        #expect(signTwice("key='unterminated").template == "key=<*>")
        #expect(signTwice(#""unterminated quote here"#).template == #""unterminated quote here"#)
        // Each `'word` closes the quote the one before opened.
        #expect(
            signTwice(#"user="bob smith" and"# + String(repeating: " 'word", count: 100)).template
                == "user=<quoted> and" + String(repeating: " <quoted>word", count: 50)
        )
        #expect(signTwice("odd 'one 'two 'three").template == "odd <quoted>two 'three")
    }
}
