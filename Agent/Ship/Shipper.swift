import FaultlineCore
import Logging

/// Sends spooled batches to the collector: one `POST /api/v1/batches` per batch, gzip body, bearer token.
///
/// Each attempt goes first to the collector that answered last, then to the others in turn (failover); the
/// ``ResponseClassifier`` decides from the answers whether the batch is delivered, dead-lettered, or kept for a
/// retry. After a failure nothing at all is sent until the retry time, so an outage costs one request per
/// backoff interval, not one per spooled batch; the waits grow with the failures in a row, whichever batch
/// they concern, and reset on the first success.
///
/// The shipper blocks on the network (up to ``ShipperConfiguration/totalTimeout`` per collector tried), so it
/// runs on a thread of its own, never on Swift's cooperative pool; it is not `Sendable`. Keep one per process:
///
/// ```swift
/// let shipper = try Shipper(configuration: configuration, queue: spool, logger: logger)
/// shipper.run(until: { stopRequested.load(ordering: .relaxed) }, sleep: { duration in wakeUp.wait(for: duration) })
/// ```
public final class Shipper {
    /// The settings the shipper was created with.
    public let configuration: ShipperConfiguration
    private let queue: any BatchQueue
    private let logger: Logger
    private let clock: () -> WireTimestamp
    private var randomSource: any RandomNumberGenerator
    /// One client per collector, so that failing over and back keeps each kept-alive connection.
    private let collectors: [(url: String, client: HTTPClient)]
    private let authorization: String
    /// The index of the collector to try first: the one that answered last.
    private var preferredCollector = 0
    /// Failed attempts (and spool failures) in a row, across batches; zero after any answer that is not a failure.
    private var consecutiveFailures = 0
    /// Nothing is sent before this time, after a failure.
    private var pausedUntil: WireTimestamp?

    /// Creates a shipper; no connection is made before the first batch.
    ///
    /// `clock` and `randomSource` are there for tests: a fixed clock and generator make retry times exact.
    /// Logs a warning for each `http://` collector that is not on loopback, since the token then travels in
    /// clear text. Throws ``ShipperError`` if the configuration cannot work (see
    /// ``ShipperConfiguration/validate()``) or libcurl cannot be initialized.
    public init(
        configuration: ShipperConfiguration,
        queue: any BatchQueue,
        logger: Logger,
        clock: @escaping () -> WireTimestamp = WireTimestamp.now,
        randomSource: any RandomNumberGenerator = SystemRandomNumberGenerator()
    ) throws(ShipperError) {
        try configuration.validate()
        let clientConfiguration = HTTPClient.Configuration(
            connectTimeout: configuration.connectTimeout, totalTimeout: configuration.totalTimeout,
            tls: configuration.tls)
        var collectors: [(url: String, client: HTTPClient)] = []
        for url in configuration.endpointURLs {
            do {
                collectors.append((url, try HTTPClient(configuration: clientConfiguration)))
            } catch {
                throw ShipperError(.clientSetupFailed, "cannot create the HTTP client for \(url): \(error)")
            }
        }
        self.configuration = configuration
        self.queue = queue
        self.logger = logger
        self.clock = clock
        self.randomSource = randomSource
        self.collectors = collectors
        authorization = "Bearer \(configuration.trimmedToken)"
        for (url, _) in collectors where Self.sendsTokenInClearText(url) {
            logger.warning(
                "collector URL uses http:// to another host: the token and the logs travel unencrypted; use https://",
                metadata: ["collector.url": "\(url)"])
        }
    }

    /// The batch endpoint that answered last, tried first for the next batch.
    public var currentCollectorURL: String { collectors[preferredCollector].url }

    /// Sends the next due batch, if any and if the shipper is not pausing after a failure, and records the
    /// result in the queue.
    ///
    /// Tries the collectors one after the other until one delivers or dead-letters the batch; if none does,
    /// schedules the batch for a retry and pauses until then: by ``Backoff`` for transient failures (with the
    /// collector's `Retry-After` when it gave one), by ``Backoff/cap`` when every collector refused the agent
    /// itself. Blocks while sending.
    public func shipOnce(now: WireTimestamp) -> ShipOutcome {
        if let pausedUntil, now < pausedUntil { return .paused(until: pausedUntil) }
        pausedUntil = nil
        let batch: SpooledBatch
        do {
            guard let due = try queue.nextDue(now: now) else { return .idle }
            batch = due
        } catch {
            return queueFailed("reading the next due batch failed: \(error)", now: now)
        }

        var failures: [(url: String, verdict: ResponseClassifier.Verdict)] = []
        for offset in collectors.indices {
            let index = (preferredCollector + offset) % collectors.count
            let (url, client) = collectors[index]
            let result = send(batch, with: client, to: url)
            var metadata = metadata(for: batch, url: url)
            if case .success(let response) = result { metadata["http.status"] = "\(response.status)" }
            let verdict = ResponseClassifier.classify(result)
            switch verdict {
            case .delivered:
                return recordDelivery(of: batch, by: index, metadata: metadata, now: now)
            case .deadLetter(let reason):
                return recordDeadLetter(of: batch, by: index, reason: reason, metadata: metadata, now: now)
            case .retry(let reason, _), .suspend(let reason):
                failures.append((url, verdict))
                if collectors.count > 1 {
                    metadata["ship.reason"] = "\(reason)"
                    logFailover(from: verdict, metadata: metadata, triesLeft: offset + 1 < collectors.count)
                }
            }
        }
        // Waits count from the last answer, not from before the requests: `Retry-After` is relative to the
        // response, and a slow collector (or a failover through several) may take seconds to give it.
        return scheduleRetry(of: batch, after: failures, now: max(now, clock()))
    }

    /// Ships batches until `stop` returns true: sends while batches are due, and otherwise sleeps until the
    /// pause after a failure ends, but never longer than ``ShipperConfiguration/idlePollInterval`` at a time.
    ///
    /// `stop` is checked before every batch and after every sleep. `sleep` may return early (when the spool
    /// wrote a batch, or on shutdown); the loop then simply looks again.
    public func run(until stop: () -> Bool, sleep: (Duration) -> Void) {
        while !stop() {
            let now = clock()
            switch shipOnce(now: now) {
            case .delivered, .deadLettered:
                continue
            case .idle, .paused, .retryScheduled, .refused, .queueFailed:
                let pause = pausedUntil.map { now.duration(until: $0) } ?? configuration.idlePollInterval
                sleep(min(max(pause, .zero), configuration.idlePollInterval))
            }
        }
    }

    private func send(
        _ batch: SpooledBatch, with client: HTTPClient, to url: String
    ) -> Result<HTTPResponse, HTTPClientError> {
        let headers: HTTPHeaders = [
            "Authorization": authorization,
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "X-Faultline-Batch": batch.batchID,
        ]
        return Result { () throws(HTTPClientError) in try client.post(url, body: batch.body, headers: headers) }
    }

    private func recordDelivery(
        of batch: SpooledBatch, by collector: Int, metadata: Logger.Metadata, now: WireTimestamp
    ) -> ShipOutcome {
        var metadata = metadata
        if consecutiveFailures > 0 {
            metadata["ship.failures"] = "\(consecutiveFailures)"
            logger.info("collector accepts batches again", metadata: metadata)
        }
        if collector != preferredCollector {
            logger.info("failed over to another collector", metadata: metadata)
        }
        collectorAnswered(collector)
        do {
            try queue.delivered(sequence: batch.sequence)
        } catch {
            // The batch stays in the spool and is sent again; the collector answers 200 for a batch it has.
            return queueFailed("recording the delivery of batch \(batch.batchID) failed: \(error)", now: now)
        }
        logger.debug("batch delivered", metadata: metadata)
        return .delivered(batchID: batch.batchID, collectorURL: collectors[collector].url)
    }

    private func recordDeadLetter(
        of batch: SpooledBatch, by collector: Int, reason: String, metadata: Logger.Metadata, now: WireTimestamp
    ) -> ShipOutcome {
        let fullReason = "\(collectors[collector].url): \(reason)"
        collectorAnswered(collector)
        do {
            try queue.deadLetter(sequence: batch.sequence, reason: fullReason)
        } catch {
            return queueFailed("moving batch \(batch.batchID) to the dead-letter table failed: \(error)", now: now)
        }
        var metadata = metadata
        metadata["ship.reason"] = "\(reason)"
        logger.error("collector rejected the batch for good; moved it to the dead-letter table", metadata: metadata)
        return .deadLettered(batchID: batch.batchID, reason: fullReason)
    }

    private func scheduleRetry(
        of batch: SpooledBatch, after failures: [(url: String, verdict: ResponseClassifier.Verdict)],
        now: WireTimestamp
    ) -> ShipOutcome {
        let backoff = configuration.backoff
        var retryAfter: Duration?
        var everyCollectorRefusedAgent = true
        for failure in failures {
            guard case .retry(_, let wait) = failure.verdict else { continue }
            everyCollectorRefusedAgent = false
            if let wait { retryAfter = max(retryAfter ?? wait, wait) }
        }
        let delay =
            everyCollectorRefusedAgent
            ? backoff.cap
            : backoff.delay(
                afterFailures: max(batch.attempts, consecutiveFailures), retryAfter: retryAfter, using: &randomSource)
        consecutiveFailures += 1
        let retryAt = now.adding(delay)
        pausedUntil = retryAt
        let reason = failures.map { url, verdict in "\(url): \(Self.reason(of: verdict))" }.joined(separator: "; ")
        do {
            try queue.retryLater(sequence: batch.sequence, at: retryAt, error: reason)
        } catch {
            return queueFailed("scheduling a retry of batch \(batch.batchID) failed: \(error)", now: now)
        }
        var metadata = metadata(for: batch, url: nil)
        metadata["ship.reason"] = "\(reason)"
        metadata["ship.retry_at"] = "\(retryAt)"
        metadata["ship.failures"] = "\(consecutiveFailures)"
        if everyCollectorRefusedAgent {
            // Loud on purpose: nothing gets through until an operator fixes the token or the URL.
            logger.error("the collector refuses this agent; batches are kept, sending paused", metadata: metadata)
            return .refused(batchID: batch.batchID, until: retryAt, reason: reason)
        }
        logger.warning("no collector took the batch; it will be retried", metadata: metadata)
        return .retryScheduled(batchID: batch.batchID, at: retryAt, reason: reason)
    }

    /// Logs one collector's failure when there are others to fail over to; the retry is logged once for all.
    private func logFailover(from verdict: ResponseClassifier.Verdict, metadata: Logger.Metadata, triesLeft: Bool) {
        let next = triesLeft ? "trying the next collector" : "no other collector left to try"
        if case .suspend = verdict {
            logger.error("collector refuses this agent; \(next)", metadata: metadata)
        } else {
            logger.warning("sending to the collector failed; \(next)", metadata: metadata)
        }
    }

    private func queueFailed(_ reason: String, now: WireTimestamp) -> ShipOutcome {
        let delay = configuration.backoff.delay(afterFailures: consecutiveFailures, using: &randomSource)
        consecutiveFailures += 1
        let until = now.adding(delay)
        pausedUntil = until
        logger.error(
            "the spool failed; shipping pauses", metadata: ["ship.reason": "\(reason)", "ship.retry_at": "\(until)"])
        return .queueFailed(reason: reason, until: until)
    }

    /// A collector gave a definite answer (delivered or dead-lettered): it is up, so prefer it and reset the backoff.
    private func collectorAnswered(_ collector: Int) {
        preferredCollector = collector
        consecutiveFailures = 0
    }

    private func metadata(for batch: SpooledBatch, url: String?) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "batch.id": "\(batch.batchID)", "batch.sequence": "\(batch.sequence)",
            "batch.attempts": "\(batch.attempts)",
        ]
        if let url { metadata["collector.url"] = "\(url)" }
        return metadata
    }

    private static func reason(of verdict: ResponseClassifier.Verdict) -> String {
        switch verdict {
        case .delivered: "delivered"
        case .retry(let reason, _), .suspend(let reason), .deadLetter(let reason): reason
        }
    }

    /// True for an `http://` URL whose host is not loopback.
    private static func sendsTokenInClearText(_ url: String) -> Bool {
        guard url.lowercased().hasPrefix("http://") else { return false }
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" }
        let hostAndPort = authority.split(separator: "@").last ?? authority
        let host =
            hostAndPort.hasPrefix("[")
            ? hostAndPort.prefix { $0 != "]" } + "]" : hostAndPort.prefix { $0 != ":" }
        return !["localhost", "[::1]"].contains(host.lowercased()) && !host.hasPrefix("127.")
    }
}

@available(*, unavailable, message: "A shipper blocks on the network; keep it on its own thread.")
extension Shipper: Sendable {}

extension WireTimestamp {
    /// The time `duration` later, saturating instead of overflowing.
    fileprivate func adding(_ duration: Duration) -> WireTimestamp {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        let micros = overflow ? Int64.max : whole.addingReportingOverflow(attoseconds / 1_000_000_000_000).partialValue
        let (sum, sumOverflow) = microseconds.addingReportingOverflow(micros)
        return WireTimestamp(microseconds: sumOverflow ? Int64.max : sum)
    }

    /// The duration from this time to `later` (negative if `later` is earlier).
    fileprivate func duration(until later: WireTimestamp) -> Duration {
        .microseconds(later.microseconds - microseconds)
    }
}
