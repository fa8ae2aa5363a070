import FaultlineCore
import Testing

/// Multi-line stack traces are signed by exception type and call path: line numbers, offsets, messages
/// and install directories change between builds and hosts and must not change the fingerprint.
@Suite struct StackTraceTests {
    /// Signs a trace with a fixed source.
    private func sign(_ trace: String) -> Signature {
        Fingerprinter().sign(trace, source: "app.service")
    }

    // MARK: - Java

    /// A Java trace with a `Caused by:` chain and `... N more`; the variable parts are parameters.
    private func javaTrace(
        acquire: String = "acquire",
        lines: (Int, Int, Int, Int, Int, Int) = (118, 42, 77, 833, 633, 201),
        tries: Int = 30,
        more: Int = 4
    ) -> String {
        """
        Exception in thread "main" java.lang.IllegalStateException: pool exhausted after \(tries) tries
        \tat com.acme.db.Pool.\(acquire)(Pool.java:\(lines.0))
        \tat com.acme.db.Repository.find(Repository.java:\(lines.1))
        \tat com.acme.api.UserHandler.handle(UserHandler.java:\(lines.2))
        \tat java.base/java.lang.Thread.run(Thread.java:\(lines.3))
        Caused by: java.net.SocketTimeoutException: connect timed out after 5000 ms
        \tat java.base/java.net.Socket.connect(Socket.java:\(lines.4))
        \tat com.acme.db.Pool.open(Pool.java:\(lines.5))
        \t... \(more) more
        """
    }

    @Test func javaTemplateKeepsTypesAndFramesWithoutLineNumbers() {
        #expect(
            sign(javaTrace()).template == """
                java.lang.IllegalStateException
                  at com.acme.db.Pool.acquire(Pool.java)
                  at com.acme.db.Repository.find(Repository.java)
                  at com.acme.api.UserHandler.handle(UserHandler.java)
                  at java.base/java.lang.Thread.run(Thread.java)
                Caused by: java.net.SocketTimeoutException
                  at java.base/java.net.Socket.connect(Socket.java)
                  at com.acme.db.Pool.open(Pool.java)
                """
        )
    }

    @Test func javaLineNumbersMessagesAndMoreCountsDoNotMatter() {
        let original = sign(javaTrace())
        let rebuilt = sign(javaTrace(lines: (120, 40, 79, 840, 640, 199), tries: 12, more: 7))
        #expect(rebuilt.template == original.template)
        #expect(rebuilt.fingerprint == original.fingerprint)
    }

    @Test func javaDifferentTopFrameIsADifferentBug() {
        let original = sign(javaTrace())
        let otherPath = sign(javaTrace(acquire: "tryAcquire"))
        #expect(otherPath.template.contains("at com.acme.db.Pool.tryAcquire(Pool.java)"))
        #expect(otherPath.fingerprint != original.fingerprint)
    }

    @Test func javaDifferentExceptionTypeIsADifferentBug() {
        let original = javaTrace()
        let other = original.replacing("java.lang.IllegalStateException", with: "java.lang.IllegalArgumentException")
        #expect(sign(other).fingerprint != sign(original).fingerprint)
    }

    // MARK: - Python

    /// A Python traceback; `prefix` is the directory the application is installed in.
    private func pythonTrace(
        prefix: String = "/srv/app/venv/lib/python3.12/site-packages",
        compute: String = "compute",
        lines: (Int, Int) = (88, 12),
        key: String = "gift-card"
    ) -> String {
        """
        Traceback (most recent call last):
          File "\(prefix)/billing/invoice.py", line \(lines.0), in render
            total = \(compute)(items)
          File "\(prefix)/billing/tax.py", line \(lines.1), in \(compute)
            return sum(rates[item.kind] for item in items)
        KeyError: '\(key)'
        """
    }

    @Test func pythonTemplateKeepsTypeFilesAndFunctionsInnermostFirst() {
        #expect(
            sign(pythonTrace()).template == """
                KeyError
                  at billing/tax.py in compute
                  at billing/invoice.py in render
                """
        )
    }

    @Test func pythonLineNumbersAndInstallDirectoryDoNotMatter() {
        let original = sign(pythonTrace())
        let elsewhere = sign(pythonTrace(prefix: "/home/dev/checkout", lines: (91, 15), key: "coupon"))
        #expect(elsewhere.template == original.template)
        #expect(elsewhere.fingerprint == original.fingerprint)
    }

    @Test func pythonDifferentFunctionIsADifferentBug() {
        let original = sign(pythonTrace())
        let other = sign(pythonTrace(compute: "compute_vat"))
        #expect(other.template.contains("at billing/tax.py in compute_vat"))
        #expect(other.fingerprint != original.fingerprint)
    }

    // MARK: - Go

    /// A Go panic with goroutine frames; offsets, line numbers, arguments and the goroutine number vary.
    private func goPanic(
        handler: String = "handler",
        goroutine: Int = 1,
        lines: (Int, Int, Int) = (27, 41, 12),
        offsets: (String, String, String) = ("0x1d", "0x85", "0x25"),
        arguments: String = "0xc000012345, 0x3",
        index: Int = 5
    ) -> String {
        """
        panic: runtime error: index out of range [\(index)] with length 3

        goroutine \(goroutine) [running]:
        main.lookup(...)
        \t/home/dev/src/app/main.go:\(lines.0) +\(offsets.0)
        main.\(handler)(\(arguments))
        \t/home/dev/src/app/main.go:\(lines.1) +\(offsets.1)
        main.main()
        \t/home/dev/src/app/main.go:\(lines.2) +\(offsets.2)
        """
    }

    @Test func goTemplateKeepsPanicMessageAndFunctions() {
        #expect(
            sign(goPanic()).template == """
                panic: runtime error: index out of range [<num>] with length <num>
                  at main.lookup
                  at main.handler
                  at main.main
                """
        )
    }

    @Test func goOffsetsLineNumbersAndArgumentsDoNotMatter() {
        let original = sign(goPanic())
        let rebuilt = sign(
            goPanic(
                goroutine: 37, lines: (30, 44, 15), offsets: ("0x2f", "0x9a", "0x31"),
                arguments: "0xc0000a6000, 0x7", index: 9
            )
        )
        #expect(rebuilt.template == original.template)
        #expect(rebuilt.fingerprint == original.fingerprint)
    }

    @Test func goDifferentFunctionIsADifferentBug() {
        let original = sign(goPanic())
        let other = sign(goPanic(handler: "serve"))
        #expect(other.template.contains("at main.serve"))
        #expect(other.fingerprint != original.fingerprint)
    }

    /// A panic in a goroutine that another one started: the trace ends with `created by F in goroutine N`,
    /// where N differs from run to run, and `go run` adds `exit status 2`, which is not a frame.
    @Test func goCreatorFrameWithoutGoroutineNumberAndNoExitStatus() {
        func trace(creator: String, goroutine: Int) -> String {
            """
            panic: boom

            goroutine \(goroutine + 5) [running]:
            main.work(0x\(goroutine))
            \t/home/dev/src/app/main.go:9 +0x1d
            created by \(creator) in goroutine \(goroutine)
            \t/home/dev/src/app/main.go:30 +0x4b4
            exit status 2
            """
        }
        for creator in ["main.startWorkers", "net/http.(*Server).Serve"] {
            let first = sign(trace(creator: creator, goroutine: 1))
            let second = sign(trace(creator: creator, goroutine: 37))
            #expect(first.template == "panic: boom\n  at main.work\n  at created by \(creator)")
            #expect(second.fingerprint == first.fingerprint)
        }
    }

    /// Logback and Log4j write their own line before the exception's (`log.error("...", exception)`).
    /// The templater takes the first line's last class-like name (here the logger `c.a.Handler`) as the
    /// exception type and ignores the real exception line, so different exceptions thrown from the same
    /// frames share a fingerprint.
    @Test func javaLoggerLineBeforeTheExceptionKeepsTheExceptionType() {
        func trace(_ exception: String) -> String {
            """
            2026-11-21 10:00:00,123 ERROR [main] c.a.Handler - request failed
            \(exception): boom
            \tat com.acme.api.Handler.handle(Handler.java:42)
            """
        }
        let illegalState = sign(trace("java.lang.IllegalStateException"))
        let nullPointer = sign(trace("java.lang.NullPointerException"))
        #expect(illegalState.template.hasPrefix("java.lang.IllegalStateException\n"))
        #expect(illegalState.fingerprint != nullPointer.fingerprint)
    }

    // MARK: - Not traces

    /// A multi-line message that is not a trace is one line with its breaks as spaces.
    @Test func multiLineMessageWithoutTraceIsOneLine() {
        #expect(
            sign("ERROR request 42 failed\nretrying in 3 seconds").template
                == "ERROR request <num> failed retrying in <duration>")
    }
}
