import FaultlineCore
import Testing

/// Which text lines are errors, and how severe.
@Suite struct ErrorDetectorTests {
    /// One line and the severity the default detector must give it (`nil`: not an error).
    struct Case: Sendable, CustomTestStringConvertible {
        var line: String
        var severity: Severity?
        var testDescription: String { line.debugDescription }

        init(_ line: String, _ severity: Severity?) {
            self.line = line
            self.severity = severity
        }
    }

    @Test(arguments: [
        Case("ERROR", .err),
        Case("2026-11-21 10:00:00,123 ERROR [main] db down", .err),
        Case("FATAL out of memory", .crit),
        Case("CRIT thermal limit", .crit),
        Case("EMERG system halted", .emerg),
        Case("ALERT raid degraded", .alert),
        Case("[error] client denied by server configuration", .err),
        Case("<err> x", .err),
        Case("level=error msg=\"disk full\"", .err),
        Case("ts=1 level=ERROR msg=x", .err),
        Case("severity=crit x", .crit),
        Case("error: disk full", .err),
        Case("Error: x", .err),
        Case("java.io.IOException: x", .err),
        Case("KeyError: 'gift-card'", .err),
        Case("Traceback (most recent call last):", .err),
        Case("Caused by: java.net.SocketTimeoutException", .err),
        Case("Segmentation fault (core dumped)", .err),
        Case("worker 3 panic: boom", .err),
        // `panic` is syslog's old name for emerg, and the first word before a colon stands where a level
        // does: the level word outranks the Go panic marker (which alone would say `err`).
        Case("panic: boom", .emerg),
        // The most urgent evidence wins.
        Case("ERROR FATAL both", .crit),
    ])
    func detectsErrors(_ example: Case) {
        #expect(ErrorDetector().detect(example.line) == example.severity)
    }

    /// JSON and logfmt logs quote their level values.
    @Test(arguments: [
        Case(#"{"level":"error","msg":"disk full"}"#, .err),
        Case(#"{"level": "fatal", "msg": "x"}"#, .crit),
        Case(#"level="error" msg=x"#, .err),
        Case(#"{"severity":"CRITICAL"}"#, .crit),
        Case("level: error", .err),
        Case(#"{"level":"info","msg":"error budget fine"}"#, nil),
    ])
    func detectsQuotedLevels(_ example: Case) {
        #expect(ErrorDetector().detect(example.line) == example.severity)
    }

    @Test(arguments: [
        "0 errors", "no errors found", "error_count=0", "INFO all good", "terror", "ERRORS_TOTAL",
        "ERR_CONN_RESET seen", "xERROR", "level=info error happened", "MyErrorHandler: started", "mirror: x",
        "error", "", "WARN low disk",
    ])
    func ignoresNonErrors(_ line: String) {
        #expect(ErrorDetector().detect(line) == nil)
    }

    @Test(arguments: [
        Case("WARN low disk", .warning),
        Case("WARNING: low disk", .warning),
        Case("warning: x", .warning),
        Case("level=warn x", .warning),
        Case("ERROR x", .err),
        Case("INFO all good", nil),
        Case("0 warnings", nil),
    ])
    func warningsOnlyWhenAskedFor(_ example: Case) {
        let detector = ErrorDetector(configuration: .init(maximumSeverity: .warning))
        #expect(detector.detect(example.line) == example.severity)
        if example.severity == .warning { #expect(ErrorDetector().detect(example.line) == nil) }
    }

    @Test func maximumSeverityCritIgnoresPlainErrors() {
        let detector = ErrorDetector(configuration: .init(maximumSeverity: .crit))
        #expect(detector.detect("FATAL out of memory") == .crit)
        #expect(detector.detect("ERROR disk full") == nil)
        #expect(detector.detect("Traceback (most recent call last):") == nil)
    }

    @Test func customLevelWordsAndMarkers() {
        let detector = ErrorDetector(
            configuration: .init(levelWords: ["OOPS": .err], markers: ["kernel BUG at"])
        )
        #expect(detector.detect("OOPS something broke") == .err)
        #expect(detector.detect("[oops] something broke") == .err)
        #expect(detector.detect("kernel BUG at mm/slub.c:42") == .err)
        #expect(detector.detect("ERROR no longer a level word") == nil)
    }

    /// The level words live in a hash table keyed on their first bytes and length: many words, words that share
    /// a 7-byte prefix, and words differing only in bit 5 of a byte (`@` and a backtick) must all be told apart.
    @Test func manyLevelWordsSharingPrefixes() {
        var words: [String: Severity] = [:]
        for index in 0..<120 { words["ALARMCODE\(index)"] = index.isMultiple(of: 2) ? .err : .warning }
        words["SIGNALX"] = .crit
        let detector = ErrorDetector(configuration: .init(levelWords: words, maximumSeverity: .warning))
        for index in [0, 1, 7, 42, 119] {
            #expect(detector.detect("ALARMCODE\(index) pump stopped") == (index.isMultiple(of: 2) ? .err : .warning))
            #expect(detector.detect("level=alarmcode\(index) pump stopped") != nil)
        }
        #expect(detector.detect("ALARMCODE120 pump stopped") == nil)
        #expect(detector.detect("ALARMCODE pump stopped") == nil)
        #expect(detector.detect("SIGNALX raised") == .crit)
        #expect(detector.detect("SIGNALx raised") == nil)  // mixed case outside a level position
        #expect(detector.detect("SIGNALX_ raised") == nil)
        #expect(detector.detect("SIGNAL\u{7f} raised") == nil)
    }

    @Test func detectsBytesLikeStrings() {
        let line: [UInt8] = Array("x\0ERROR\0".utf8) + [0xff, 0xfe]
        #expect(line.withUnsafeBufferPointer { ErrorDetector().detect($0) } == .err)
    }

    @Test func journaldPriorities() {
        let errors = ErrorDetector()
        #expect((0...7).map { errors.isError(priority: $0) } == [true, true, true, true, false, false, false, false])
        #expect(!errors.isError(priority: -1))
        #expect(!errors.isError(priority: 8))

        let warnings = ErrorDetector(configuration: .init(maximumSeverity: .warning))
        #expect((0...7).map { warnings.isError(priority: $0) } == [true, true, true, true, true, false, false, false])
    }

    @Test func severityKeywords() {
        #expect(Severity(keyword: "error") == .err)
        #expect(Severity(keyword: "WARN") == .warning)
        #expect(Severity(keyword: "3") == .err)
        #expect(Severity(keyword: "loud") == nil)
        #expect(
            Severity.allCases.map(\.description) == [
                "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
            ])
        #expect(Severity.emerg < Severity.err)
    }
}
