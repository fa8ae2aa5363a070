import FaultlineCore
import Foundation
import Testing

@testable import FaultlineAgent

/// Groups lines as a file source would feed them, with offsets, and checks the events that come out.
@Suite("MultilineAssembler")
struct MultilineAssemblerTests {
    /// Feeds lines (offsets as if each line and its `\n` followed the previous one) and collects events.
    private struct Feeder {
        var assembler: MultilineAssembler
        var offset: Int64 = 0
        var events: [MultilineEvent] = []
        let start = ContinuousClock.now

        init(_ configuration: MultilineConfiguration = MultilineConfiguration()) {
            assembler = MultilineAssembler(configuration: configuration)
        }

        mutating func feed(_ lines: [String], at seconds: Int = 0, truncated: Bool = false) {
            for line in lines {
                var text = line
                let now = start + .seconds(seconds)
                text.withUTF8 { bytes in
                    assembler.append(bytes, offset: offset, truncated: truncated, now: now) { events.append($0) }
                }
                offset += Int64(line.utf8.count + 1)
            }
        }

        mutating func flushExpired(at seconds: Int) {
            assembler.flushExpired(now: start + .seconds(seconds)) { events.append($0) }
        }

        mutating func flush() {
            assembler.flush { events.append($0) }
        }

        var messages: [String] { events.map { String(decoding: $0.message, as: UTF8.self) } }
    }

    static let javaTrace = [
        "Exception in thread \"main\" java.lang.IllegalStateException: pool exhausted",
        "\tat com.example.db.Pool.acquire(Pool.java:42)",
        "\tat com.example.api.Handler.handle(Handler.java:17)",
        "Caused by: java.net.ConnectException: Connection refused",
        "\tat java.base/sun.nio.ch.Net.connect0(Native Method)",
        "\t... 2 more",
    ]

    static let pythonTrace = [
        "ERROR:app:request failed",
        "Traceback (most recent call last):",
        "  File \"/srv/app/handlers.py\", line 12, in handle",
        "    result = compute(payload)",
        "  File \"/srv/app/compute.py\", line 40, in compute",
        "    return 1 / value",
        "ZeroDivisionError: division by zero",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        "  File \"/srv/app/handlers.py\", line 14, in handle",
        "    raise RequestError() from error",
        "app.errors.RequestError",
    ]

    static let goPanic = [
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47e3d5]",
        "",
        "goroutine 1 [running]:",
        "main.(*Server).handle(0x0, {0x4c2a60, 0xc000012345})",
        "\t/src/server.go:88 +0x15",
        "main.main()",
        "\t/src/main.go:12 +0x25",
        "",
        "goroutine 7 [IO wait]:",
        "internal/poll.runtime_pollWait(0x7f1e2c, 0x72)",
        "\t/usr/local/go/src/runtime/netpoll.go:343 +0x85",
        "created by net/http.(*Server).Serve in goroutine 1",
        "\t/usr/local/go/src/net/http/server.go:3086 +0x5cb",
    ]

    @Test func javaTraceIsOneEvent() {
        var feeder = Feeder()
        feeder.feed(["2024-05-01 12:00:00 INFO starting"] + Self.javaTrace + ["2024-05-01 12:00:01 INFO next"])
        feeder.flush()
        #expect(feeder.events.count == 3)
        #expect(feeder.messages[1] == Self.javaTrace.joined(separator: "\n"))
        #expect(feeder.events[1].offset == Int64("2024-05-01 12:00:00 INFO starting".utf8.count + 1))
        #expect(feeder.events[1].lineCount == Self.javaTrace.count)
        #expect(feeder.messages[2] == "2024-05-01 12:00:01 INFO next")
        #expect(!feeder.events.contains { $0.truncated })
    }

    @Test func framesJoinALogLineThatNamesTheException() {
        var feeder = Feeder()
        let lines = [
            "12:00:00 ERROR request failed: java.io.IOException: broken pipe",
            "    at java.base/java.io.FileOutputStream.writeBytes(Native Method)",
            "    at com.example.Writer.flush(Writer.java:88)",
            "    ... 12 common frames omitted",
        ]
        feeder.feed(lines)
        feeder.flush()
        #expect(feeder.messages == [lines.joined(separator: "\n")])
    }

    @Test func anExceptionLoggedWithItsMessageIsOneEvent() {
        // What `log.error("payment failed", exception)` writes through logback or log4j.
        let lines = [
            "2024-05-01 12:00:00.123 ERROR [http-nio-8080-exec-1] c.e.PaymentService - payment failed",
            "org.springframework.web.client.HttpServerErrorException$InternalServerError: 500 Internal Server Error",
            "\tat org.springframework.web.client.DefaultResponseErrorHandler.handleError(Handler.java:102)",
            "\tat com.example.PaymentService.charge(PaymentService.java:57)",
        ]
        var feeder = Feeder()
        feeder.feed(Array(lines.prefix(2)))
        #expect(feeder.assembler.pendingOffset == 0, "the exception line is held, the checkpoint stays before both")
        feeder.feed(Array(lines.dropFirst(2)) + ["2024-05-01 12:00:01.000 INFO [main] c.e.App - next"])
        feeder.flush()
        #expect(feeder.messages.count == 2)
        #expect(feeder.messages.first == lines.joined(separator: "\n"))
    }

    @Test func anExceptionLineWithoutFramesStaysApart() {
        var feeder = Feeder()
        feeder.feed(["INFO retrying", "java.io.IOException: broken pipe", "INFO retried"])
        #expect(feeder.messages == ["INFO retrying", "java.io.IOException: broken pipe"])
        #expect(feeder.assembler.pendingOffset == Int64("INFO retrying\njava.io.IOException: broken pipe\n".utf8.count))
        feeder.feed(["java.lang.IllegalStateException: last words"])
        feeder.flush()
        #expect(feeder.messages.suffix(2) == ["INFO retried", "java.lang.IllegalStateException: last words"])
    }

    @Test func aNewExceptionAfterAnotherTraceStartsAnEvent() {
        var feeder = Feeder()
        let second = ["java.lang.RuntimeException: again", "\tat com.example.A.b(A.java:1)"]
        feeder.feed(Self.javaTrace + second)
        feeder.flush()
        #expect(feeder.messages == [Self.javaTrace.joined(separator: "\n"), second.joined(separator: "\n")])
    }

    @Test(arguments: [
        ("java.lang.IllegalStateException: boom", true),
        ("java.lang.OutOfMemoryError", true),
        ("com.example.Outer$InnerException: x", true),
        ("IllegalStateException: no package", false),
        ("com.example.Service started: ok", false),
        ("Exception in thread \"main\" java.lang.Error", false),
    ])
    func recognisesJavaExceptionLines(line: String, expected: Bool) {
        var text = line
        #expect(text.withUTF8 { StackTraceLine.isJavaExceptionHeader($0) } == expected)
    }

    @Test func pythonChainedTracebackIsOneEvent() {
        var feeder = Feeder()
        feeder.feed(Self.pythonTrace + ["INFO:app:recovered"])
        feeder.flush()
        #expect(feeder.messages == [Self.pythonTrace.joined(separator: "\n"), "INFO:app:recovered"])
    }

    @Test func pythonTracebackAfterAnotherTracebackStartsAnEvent() {
        var feeder = Feeder()
        let first = ["Traceback (most recent call last):", "  File \"a.py\", line 1, in <module>", "KeyError: 'x'"]
        let second = ["Traceback (most recent call last):", "  File \"b.py\", line 2, in f", "OSError: disk"]
        feeder.feed(first + second)
        feeder.flush()
        #expect(feeder.messages == [first.joined(separator: "\n"), second.joined(separator: "\n")])
    }

    @Test func goPanicIsOneEventWithoutTrailingBlankLines() {
        var feeder = Feeder()
        feeder.feed(Self.goPanic + ["", "exit status 2"])
        feeder.flush()
        #expect(feeder.messages == [Self.goPanic.joined(separator: "\n"), "exit status 2"])
        #expect(feeder.events[0].lineCount == Self.goPanic.count + 1)
    }

    @Test func aTraceGetsOneFingerprintWhateverItsLineNumbersAndMessage() {
        let other = Self.javaTrace.map {
            $0.replacingOccurrences(of: "42", with: "57").replacingOccurrences(of: "exhausted", with: "closed")
        }
        var signatures: [Signature] = []
        for trace in [Self.javaTrace, other] {
            var feeder = Feeder()
            feeder.feed(trace)
            feeder.flush()
            #expect(feeder.events.count == 1)
            signatures.append(Fingerprinter().sign(feeder.messages[0], source: "api"))
        }
        #expect(signatures[0].fingerprint == signatures[1].fingerprint)
        #expect(signatures[0].template.contains("IllegalStateException"))
    }

    @Test func ordinaryLinesAndBlankLinesStayApart() {
        var feeder = Feeder()
        feeder.feed(["one", "", "two", "   ", "three"])
        feeder.flush()
        #expect(feeder.messages == ["one", "two", "three"])
        #expect(feeder.events.map(\.offset) == [0, 5, 13])
    }

    @Test func startPatternsJoinEveryOtherLine() throws {
        let rule = MultilineConfiguration.Rule.startPatterns([try LineStartPattern("[0-9][0-9][0-9][0-9]-")])
        var feeder = Feeder(MultilineConfiguration(rule: rule))
        feeder.feed([
            "leading line before any start", "2024-05-01 first", "  detail", "more detail", "", "2024-05-01 second",
        ])
        feeder.flush()
        #expect(
            feeder.messages == [
                "leading line before any start", "2024-05-01 first\n  detail\nmore detail", "2024-05-01 second",
            ])
    }

    @Test func singleLinesMakeOneEventPerLineAtOnce() {
        var feeder = Feeder(MultilineConfiguration(rule: .singleLines))
        feeder.feed(["a", "\tat not.a.Frame(X.java:1)", ""])
        #expect(feeder.messages == ["a", "\tat not.a.Frame(X.java:1)"])
        #expect(feeder.assembler.pendingOffset == nil)
    }

    @Test func pendingOffsetIsTheFirstLineOfTheEventBeingAssembled() {
        var feeder = Feeder()
        feeder.feed(["first"])
        #expect(feeder.assembler.pendingOffset == 0)
        feeder.feed(Array(Self.javaTrace.prefix(2)))
        #expect(feeder.assembler.pendingOffset == 6)
        #expect(feeder.messages == ["first"])
    }

    @Test func anEventWaitsForItsNextLineUntilTheWaitExpires() {
        var feeder = Feeder(MultilineConfiguration(maximumWait: .seconds(2)))
        feeder.feed(Array(Self.javaTrace.prefix(2)), at: 0)
        feeder.feed([Self.javaTrace[2]], at: 1)
        #expect(feeder.assembler.deadline == feeder.start + .seconds(3))
        feeder.flushExpired(at: 2)
        #expect(feeder.events.isEmpty)
        feeder.flushExpired(at: 3)
        #expect(feeder.messages == [Self.javaTrace.prefix(3).joined(separator: "\n")])
        #expect(feeder.assembler.deadline == nil)
    }

    @Test func theLineCapTruncatesAndDropsTheRestOfTheTrace() {
        var feeder = Feeder(MultilineConfiguration(maximumLines: 3))
        feeder.feed(Self.javaTrace + ["next event"])
        feeder.flush()
        #expect(feeder.messages == [Self.javaTrace.prefix(3).joined(separator: "\n"), "next event"])
        #expect(feeder.events[0].truncated)
        #expect(!feeder.events[1].truncated)
    }

    @Test func theByteCapTruncatesTheEvent() {
        var feeder = Feeder(MultilineConfiguration(maximumBytes: 100))
        feeder.feed(Self.javaTrace)
        feeder.flush()
        #expect(feeder.events.count == 1)
        #expect(feeder.events[0].message.count <= 100)
        #expect(feeder.events[0].truncated)
        #expect(feeder.messages[0] == Self.javaTrace.prefix(1).joined(separator: "\n"))
    }

    @Test func aFirstLineLongerThanTheByteCapIsCut() {
        var feeder = Feeder(MultilineConfiguration(maximumBytes: 10))
        feeder.feed([String(repeating: "x", count: 25)])
        feeder.flush()
        #expect(feeder.messages == [String(repeating: "x", count: 10)])
        #expect(feeder.events[0].truncated)
    }

    @Test func aLineCutByTheReaderMarksItsEvent() {
        var feeder = Feeder()
        feeder.feed(["cut line"], truncated: true)
        feeder.feed(["whole line"])
        feeder.flush()
        #expect(feeder.events.map(\.truncated) == [true, false])
    }
}

@Suite("LineStartPattern")
struct LineStartPatternTests {
    @Test(arguments: [
        ("[0-9][0-9][0-9][0-9]-", "2024-05-01 12:00 ERROR x", true),
        ("[0-9][0-9][0-9][0-9]-", "x2024-05-01", false),
        ("[0-9][0-9][0-9][0-9]-", "2024", false),
        ("ERROR", "ERROR: boom", true),
        ("*ERROR", "12:00 [main] ERROR boom", true),
        ("*ERROR", "12:00 [main] WARN boom", false),
        ("?? [!a-z]", "ab C", true),
        ("?? [!a-z]", "ab c", false),
        ("[^ ]", " indented", false),
        ("\\[main\\]", "[main] started", true),
        ("[]x]", "]", true),
        ("a*b*c", "a-----b--c trailing", true),
        ("a*b*c", "a-----b--", false),
    ])
    func matches(pattern: String, line: String, expected: Bool) throws {
        #expect(try LineStartPattern(pattern).matches(line) == expected)
    }

    @Test(arguments: ["", "[0-9", "[9-0]", "abc\\"])
    func rejectsMalformedPatterns(pattern: String) {
        #expect(throws: LineStartPatternError.self) { try LineStartPattern(pattern) }
    }

    @Test func errorsQuoteThePattern() {
        do {
            _ = try LineStartPattern("[0-9")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("\"[0-9\""))
            #expect(error.description.contains("byte 0"))
        }
    }
}
