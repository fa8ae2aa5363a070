import Logging
import Synchronization

/// A `LogHandler` that keeps every record, so tests can check what was logged and how loudly.
struct RecordingLogHandler: LogHandler {
    /// One log call.
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    /// The records of every handler copy made from one logger.
    final class Store: Sendable {
        private let storage = Mutex<[Record]>([])

        /// Every record so far, in order.
        var records: [Record] { storage.withLock { $0 } }

        fileprivate func append(_ record: Record) {
            storage.withLock { $0.append(record) }
        }
    }

    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    private let store: Store

    /// Creates a logger whose records land in the returned store.
    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "test") { _ in RecordingLogHandler(store: store) }, store)
    }

    private init(store: Store) {
        self.store = store
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: Logging.LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        store.append(Record(level: event.level, message: "\(event.message)", metadata: merged))
    }
}
