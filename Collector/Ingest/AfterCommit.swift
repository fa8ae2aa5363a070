import Synchronization

/// What to do once an ingest transaction committed, and never if it rolled back: caches that may only learn
/// what the database holds (see ``IngestTransactionHook``).
public final class AfterCommit: Sendable {
    private let actions = Mutex<[@Sendable () -> Void]>([])

    /// An empty list.
    public init() {}

    /// Runs `action` after the commit.
    public func append(_ action: @escaping @Sendable () -> Void) {
        actions.withLock { $0.append(action) }
    }

    /// Runs the actions, in the order they were added; called once the transaction committed.
    func run() {
        for action in actions.withLock({ $0 }) { action() }
    }
}
