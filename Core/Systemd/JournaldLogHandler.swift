import CSystemd
import Glibc
import Logging

/// A swift-log handler that writes each message to journald as one structured entry, with `sd_journal_sendv`.
///
/// Every entry carries `MESSAGE=`, `PRIORITY=` (from the level), `SYSLOG_IDENTIFIER=`, `CODE_FILE=`,
/// `CODE_LINE=`, `CODE_FUNC=`, `SWIFT_LOG_LABEL=` (the logger's label) and one field per metadata key, named
/// by ``journalFieldName(forMetadataKey:)``: `logger[metadataKey: "faultline.fingerprint"] = "9f2c…"` becomes
/// `FAULTLINE_FINGERPRINT=9f2c…`, so that `journalctl FAULTLINE_FINGERPRINT=9f2c…` finds it. An error passed to
/// the log call becomes `ERROR_MESSAGE=` and `ERROR_TYPE=`. Values are sent as bytes, so newlines and NUL
/// characters survive.
///
/// When journald cannot be reached (no `/run/systemd/journal/socket`: a container, a program started by hand
/// on a machine without systemd), the handler writes one line per message to standard error instead, so that
/// nothing is lost: `2026-11-21T10:00:00.123456Z error faultline.agent: message key=value`.
///
/// Only the program's `main` bootstraps it; libraries take a `Logger`:
///
/// ```swift
/// LoggingSystem.bootstrap { label in
///     var handler = JournaldLogHandler(label: label, identifier: "faultline-agent")
///     handler.logLevel = .info
///     return handler
/// }
/// ```
public struct JournaldLogHandler: LogHandler {
    /// The lowest level that is logged; `Logger` filters before calling the handler.
    public var logLevel: Logger.Level = .info
    /// Metadata attached to every message logged through this handler.
    public var metadata: Logger.Metadata = [:]
    /// Contributes metadata at each log call (task-local context and the like); explicit metadata wins over it.
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let identifier: String
    private let fallbackDescriptor: Int32

    /// Creates a handler for the logger called `label`.
    ///
    /// - Parameters:
    ///   - label: The logger's label, sent as `SWIFT_LOG_LABEL=` and shown in the standard-error fallback.
    ///   - identifier: The `SYSLOG_IDENTIFIER=` of every entry, usually the program's name
    ///     (`journalctl -t faultline-agent`).
    ///   - metadataProvider: Adds metadata at each log call; defaults to the one given to `LoggingSystem`.
    public init(
        label: String,
        identifier: String,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.init(label: label, identifier: identifier, metadataProvider: metadataProvider, fallbackDescriptor: 2)
    }

    /// Creates a handler whose fallback lines go to `fallbackDescriptor` instead of standard error; for tests.
    init(
        label: String,
        identifier: String,
        metadataProvider: Logger.MetadataProvider?,
        fallbackDescriptor: Int32
    ) {
        self.label = label
        self.identifier = identifier
        self.metadataProvider = metadataProvider
        self.fallbackDescriptor = fallbackDescriptor
    }

    /// Reads or changes one metadata value of this handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Sends one entry to journald, or writes one line to standard error when journald is unreachable.
    public func log(event: LogEvent) {
        if Self.send(journalFields(for: event)) { return }
        writeFallbackLine(event: event)
    }

    /// The journald field name for a swift-log metadata key, or `nil` when nothing usable is left of the key.
    ///
    /// ASCII letters are upper-cased, `.` and `-` become `_`, digits and `_` are kept, every other character
    /// is dropped, then leading `_` and digits are removed (journald reserves `_` for fields it adds itself
    /// and rejects a leading digit) and the name is cut to journald's 64 characters. A key that would collide
    /// with a field this handler sets itself (`message` → `MESSAGE`) gets the prefix `METADATA_`.
    ///
    /// `faultline.fingerprint` → `FAULTLINE_FINGERPRINT`, `batch-id` → `BATCH_ID`, `_pid` → `PID`.
    public static func journalFieldName(forMetadataKey key: String) -> String? {
        var name: [UInt8] = []
        name.reserveCapacity(key.utf8.count)
        for byte in key.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): name.append(byte - 32)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): name.append(byte)
            case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"): name.append(UInt8(ascii: "_"))
            default: continue
            }
        }
        let firstLetter = name.firstIndex { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } ?? name.endIndex
        let trimmed = String(decoding: name[firstLetter...].prefix(maximumFieldNameLength), as: UTF8.self)
        guard !trimmed.isEmpty else { return nil }
        guard !ownFieldNames.contains(trimmed) else {
            return String(("METADATA_" + trimmed).prefix(maximumFieldNameLength))
        }
        return trimmed
    }

    /// Whether standard error is the journal stream systemd connected it to (`JOURNAL_STREAM=` names its device
    /// and inode); `main` can use it to pick this handler over a plain stream handler.
    public static var isStandardErrorConnectedToJournal: Bool {
        guard let variable = getenv("JOURNAL_STREAM") else { return false }
        let parts = String(cString: variable).split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(2, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    private static let maximumFieldNameLength = 64

    private static let ownFieldNames: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "SWIFT_LOG_LABEL",
    ]

    /// The entry's fields as `NAME=value` byte strings, the handler's own first, then metadata sorted by name
    /// (so that entries from the same call site look alike in `journalctl -o verbose`).
    func journalFields(for event: LogEvent) -> [[UInt8]] {
        var fields: [[UInt8]] = [
            Self.field("MESSAGE", event.message.description),
            Self.field("PRIORITY", String(Self.syslogPriority(event.level))),
            Self.field("SYSLOG_IDENTIFIER", identifier),
            Self.field("CODE_FILE", event.file),
            Self.field("CODE_LINE", String(event.line)),
            Self.field("CODE_FUNC", event.function),
            Self.field("SWIFT_LOG_LABEL", label),
        ]
        for (key, value) in effectiveMetadata(for: event).sorted(by: { $0.key < $1.key }) {
            guard let name = Self.journalFieldName(forMetadataKey: key) else { continue }
            // A list is one field per element (journald keeps repeated fields), so that
            // `journalctl FAULTLINE_TICKET=42` finds an entry about tickets 41, 42 and 43.
            if case .array(let values) = value {
                for element in values { fields.append(Self.field(name, element.description)) }
            } else {
                fields.append(Self.field(name, value.description))
            }
        }
        return fields
    }

    /// Handler metadata, then the provider's, then the call's own, each overriding the one before.
    private func effectiveMetadata(for event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, provided in provided }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, explicit in explicit }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return merged
    }

    /// syslog(3) priorities; swift-log's `trace` has no counterpart and shares `debug`'s 7.
    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    private static func field(_ name: String, _ value: String) -> [UInt8] {
        Array(name.utf8) + [UInt8(ascii: "=")] + Array(value.utf8)
    }

    private static let journaldSocket = "/run/systemd/journal/socket"

    /// Hands the fields to libsystemd, which picks its binary-safe encoding for values with newlines.
    ///
    /// libsystemd reports success when journald's socket does not exist ("fail silently if the journal is
    /// not available"), so its absence is checked first; journald may also appear later, hence on every call.
    private static func send(_ fields: [[UInt8]]) -> Bool {
        guard access(journaldSocket, F_OK) == 0 else { return false }
        let joined = fields.flatMap { $0 }
        return joined.withUnsafeBytes { bytes in
            var vectors: [iovec] = []
            vectors.reserveCapacity(fields.count)
            var offset = 0
            for field in fields {
                let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress.map { $0 + offset })
                vectors.append(iovec(iov_base: base, iov_len: field.count))
                offset += field.count
            }
            return sd_journal_sendv(vectors, Int32(vectors.count)) >= 0
        }
    }

    private func writeFallbackLine(event: LogEvent) {
        var text = "\(Self.timestamp()) \(event.level) \(label): \(event.message)"
        for (key, value) in effectiveMetadata(for: event).sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(value)"
        }
        var line = text.utf8.map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fallbackDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// UTC time in ISO 8601 with microseconds, without Foundation.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let fraction = String(now.tv_nsec / 1_000)
        let padded = String(repeating: "0", count: 6 - fraction.count) + fraction
        let base = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(base).\(padded)Z"
    }
}
