import FaultlineTestSupport
import Foundation
import Logging
import Testing

@testable import FaultlineCore

@Suite("JournaldLogHandler")
struct JournaldLogHandlerTests {
    @Test(arguments: [
        ("faultline.fingerprint", "FAULTLINE_FINGERPRINT"),
        ("ticket.id", "TICKET_ID"),
        ("batch-id", "BATCH_ID"),
        ("Already_Upper", "ALREADY_UPPER"),
        ("_pid", "PID"),
        ("2fa.code", "FA_CODE"),
        ("héllo wörld!", "HLLOWRLD"),
        ("message", "METADATA_MESSAGE"),
        ("syslog.identifier", "METADATA_SYSLOG_IDENTIFIER"),
        ("message.id", "MESSAGE_ID"),
    ])
    func mapsMetadataKeysToJournalFieldNames(key: String, field: String) {
        #expect(JournaldLogHandler.journalFieldName(forMetadataKey: key) == field)
    }

    @Test func dropsKeysWithNothingUsableAndCutsLongOnes() {
        #expect(JournaldLogHandler.journalFieldName(forMetadataKey: "") == nil)
        #expect(JournaldLogHandler.journalFieldName(forMetadataKey: "...") == nil)
        #expect(JournaldLogHandler.journalFieldName(forMetadataKey: "1234") == nil)
        #expect(JournaldLogHandler.journalFieldName(forMetadataKey: "ü") == nil)
        let long = String(repeating: "a", count: 100)
        #expect(JournaldLogHandler.journalFieldName(forMetadataKey: long) == String(repeating: "A", count: 64))
    }

    @Test func recognizesAStandardErrorThatSystemdConnectedToTheJournal() {
        defer { unsetenv("JOURNAL_STREAM") }
        var status = stat()
        #expect(fstat(2, &status) == 0)
        setenv("JOURNAL_STREAM", "\(status.st_dev):\(status.st_ino)", 1)
        #expect(JournaldLogHandler.isStandardErrorConnectedToJournal)
        setenv("JOURNAL_STREAM", "\(status.st_dev):\(status.st_ino + 1)", 1)
        #expect(!JournaldLogHandler.isStandardErrorConnectedToJournal)
        unsetenv("JOURNAL_STREAM")
        #expect(!JournaldLogHandler.isStandardErrorConnectedToJournal)
    }

    @Test func mapsLevelsToSyslogPriorities() {
        let priorities = Logger.Level.allCases.map(JournaldLogHandler.syslogPriority)
        #expect(priorities == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test func buildsTheEntryFromMessageLocationAndMergedMetadata() {
        struct DiskFull: Error {}
        var handler = JournaldLogHandler(
            label: "faultline.agent",
            identifier: "faultline-agent",
            metadataProvider: .init { ["batch.id": "from-provider", "host": "web-1"] }
        )
        handler[metadataKey: "batch.id"] = "from-handler"
        handler[metadataKey: "source"] = "journald"
        let event = LogEvent(
            level: .error,
            message: "spool write failed\nsecond line",
            error: DiskFull(),
            metadata: ["host": "web-2", "faultline.fingerprint": "9f2c"],
            source: "FaultlineAgent",
            file: "Agent/Spool/Spool.swift",
            function: "append(_:)",
            line: 42
        )
        let fields = handler.journalFields(for: event).map { String(decoding: $0, as: UTF8.self) }
        #expect(
            Array(fields.prefix(7)) == [
                "MESSAGE=spool write failed\nsecond line",
                "PRIORITY=3",
                "SYSLOG_IDENTIFIER=faultline-agent",
                "CODE_FILE=Agent/Spool/Spool.swift",
                "CODE_LINE=42",
                "CODE_FUNC=append(_:)",
                "SWIFT_LOG_LABEL=faultline.agent",
            ]
        )
        let metadataFields = Set(fields.dropFirst(7))
        #expect(metadataFields.contains("BATCH_ID=from-provider"))
        #expect(metadataFields.contains("HOST=web-2"))
        #expect(metadataFields.contains("SOURCE=journald"))
        #expect(metadataFields.contains("FAULTLINE_FINGERPRINT=9f2c"))
        #expect(metadataFields.contains("ERROR_MESSAGE=DiskFull()"))
        #expect(metadataFields.contains { $0.hasPrefix("ERROR_TYPE=") && $0.hasSuffix("DiskFull") })
        #expect(metadataFields.count == 6)
    }

    @Test func aListIsOneFieldPerElement() {
        let handler = JournaldLogHandler(label: "faultline.collector", identifier: "faultline-collector")
        let event = LogEvent(
            level: .info, message: "delivered an email",
            metadata: ["faultline.ticket": .array([.string("41"), .string("42")]), "faultline.client": "acme"],
            source: "FaultlineCollector", file: "MailSender.swift", function: "deliver", line: 1)
        let fields = handler.journalFields(for: event).dropFirst(7).map { String(decoding: $0, as: UTF8.self) }
        #expect(fields == ["FAULTLINE_CLIENT=acme", "FAULTLINE_TICKET=41", "FAULTLINE_TICKET=42"])
    }
}

extension JournaldLogHandlerTests {
    /// Sending for real: to a socket bound where journald's would be, or to the standard-error fallback.
    ///
    /// Both need `/run/systemd/journal/socket` to be absent, so that no journald of the machine is involved:
    /// the tests never touch a running journald. Serialized because both depend on that one path.
    @Suite("delivery", .serialized)
    struct Delivery {
        private static let journaldSocket = "/run/systemd/journal/socket"
        private static var journaldIsAbsent: Bool { access(journaldSocket, F_OK) != 0 }

        private func logger(fallbackDescriptor: Int32 = 2) -> Logger {
            Logger(label: "faultline.test") { label in
                JournaldLogHandler(
                    label: label,
                    identifier: "faultline-test",
                    metadataProvider: nil,
                    fallbackDescriptor: fallbackDescriptor
                )
            }
        }

        @Test(.enabled(if: journaldIsAbsent, "a journald is running on this machine"))
        func fallsBackToOneLinePerMessageWhenJournaldIsUnreachable() throws {
            var descriptors: [Int32] = [0, 0]
            #expect(pipe(&descriptors) == 0)
            defer { close(descriptors[0]) }
            logger(fallbackDescriptor: descriptors[1]).error(
                "spool full\nreading paused",
                metadata: ["faultline.ticket": "42"]
            )
            close(descriptors[1])
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(descriptors[0], &buffer, buffer.count)
            let line = String(decoding: buffer[..<max(count, 0)], as: UTF8.self)
            #expect(line.hasSuffix(" error faultline.test: spool full reading paused faultline.ticket=42\n"))
            #expect(line.first?.isNumber == true && line.contains("Z error"))
        }

        @Test(.enabled(if: journaldIsAbsent && geteuid() == 0, "needs root and no journald on this machine"))
        func sendsOneStructuredDatagramToJournaldsSocket() throws {
            var created: [String] = []
            for directory in ["/run/systemd", "/run/systemd/journal"] where access(directory, F_OK) != 0 {
                #expect(mkdir(directory, 0o755) == 0)
                created.append(directory)
            }
            defer {
                for directory in created.reversed() { rmdir(directory) }
            }
            let journald = try SystemdDatagramListener(path: Self.journaldSocket)

            let message = "panic: runtime error\n\ngoroutine 1 [running]:"
            logger().critical("\(message)", metadata: ["faultline.fingerprint": "9f2c4e1a7b3d5f60", "ticket-id": "7"])

            let datagram = try #require(try journald.receive())
            let fields = try JournalNativeDatagram.fields(of: datagram)
            let values = Dictionary(fields.map { ($0.name, String(decoding: $0.value, as: UTF8.self)) }) { a, _ in a }
            #expect(values["MESSAGE"] == message)
            #expect(values["PRIORITY"] == "2")
            #expect(values["SYSLOG_IDENTIFIER"] == "faultline-test")
            #expect(values["FAULTLINE_FINGERPRINT"] == "9f2c4e1a7b3d5f60")
            #expect(values["TICKET_ID"] == "7")
            #expect(values["CODE_FUNC"] == "sendsOneStructuredDatagramToJournaldsSocket()")
            #expect(values["CODE_FILE"]?.hasSuffix("JournaldLogHandlerTests.swift") == true)
            #expect(fields.filter { $0.name == "MESSAGE" }.count == 1)
        }
    }
}
