import FaultlineCore
import Logging

/// Closes fixed tickets whose validation window passed without the error coming back, on a schedule.
///
/// The windows live in the database (`tickets.validation_ends_at`), so a restarted collector, or another
/// one on the same PostgreSQL, continues them; ``Store/closeValidatedTickets(now:outbox:)`` makes sure one
/// collector only acts on each ticket.
public struct ValidationScheduler: Sendable {
    /// The database.
    public let store: Store
    /// Where the resolution emails go.
    public let outbox: MailOutbox
    /// How often to check.
    public let interval: Duration
    /// Where it logs.
    public let logger: Logger

    /// Creates a scheduler.
    public init(store: Store, outbox: MailOutbox, interval: Duration, logger: Logger) {
        self.store = store
        self.outbox = outbox
        self.interval = interval
        self.logger = logger
    }

    /// Checks once; returns the ids of the tickets it closed.
    @discardableResult
    public func checkOnce(now: WireTimestamp = .now()) async throws -> [Int64] {
        let closed = try await store.closeValidatedTickets(now: now, outbox: outbox)
        for id in closed {
            logger.notice(
                "the fix held through its validation window; ticket closed", metadata: ["faultline.ticket": "\(id)"])
        }
        return closed
    }

    /// Checks every ``interval`` until the task is cancelled; a failed check is logged and tried again.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await checkOnce()
            } catch {
                logger.error(
                    "checking the validation windows failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
