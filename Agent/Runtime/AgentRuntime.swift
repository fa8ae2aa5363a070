import FaultlineCore
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The agent daemon: one poll loop that reads the sources, signs and aggregates error events, and every
/// flush interval commits a batch together with the sources' checkpoints in one spool transaction; a second
/// thread ships the spool to the collector.
///
/// Nothing is lost and nothing counted twice across a crash: events read since the last commit are only in
/// memory, and the checkpoints saved with the last batch point just after the events that batch covers, so
/// a restart reads them again exactly once. When the spool is full the loop stops reading (the journal and
/// the files are the buffer) and resumes as it drains.
public final class AgentRuntime {
    /// Everything the runtime needs, built from `agent.toml`.
    public struct Settings: Sendable {
        /// Where the spool lives (`/var/lib/faultline`).
        public var stateDirectory: String
        /// The host name sent with batches.
        public var host: String
        /// How often a batch (or at least the checkpoints) is committed.
        public var flushInterval: Duration
        /// A batch is sent at least this often, empty if need be, so the collector knows the host is alive.
        public var heartbeatInterval: Duration
        /// The journald source, or `nil` when disabled.
        public var journald: JournalSourceSettings?
        /// The journald matches (units, identifiers, maximum priority).
        public var journalFilter: JournalFilter
        /// The file sources.
        public var files: [FileSourceConfiguration]
        /// What counts as an error.
        public var detector: ErrorDetector.Configuration
        /// Spool bounds.
        public var spool: Spool.Configuration
        /// Where and how to ship.
        public var shipper: ShipperConfiguration

        /// Creates settings.
        public init(
            stateDirectory: String, host: String, flushInterval: Duration = .seconds(5),
            heartbeatInterval: Duration = .seconds(60), journald: JournalSourceSettings?, journalFilter: JournalFilter,
            files: [FileSourceConfiguration], detector: ErrorDetector.Configuration = .init(),
            spool: Spool.Configuration = .init(), shipper: ShipperConfiguration
        ) {
            self.stateDirectory = stateDirectory
            self.host = host
            self.flushInterval = flushInterval
            self.heartbeatInterval = heartbeatInterval
            self.journald = journald
            self.journalFilter = journalFilter
            self.files = files
            self.detector = detector
            self.spool = spool
            self.shipper = shipper
        }
    }

    /// Events read from one source before the loop moves on, so one busy source cannot starve a flush.
    static let readBudget = 8192

    private var settings: Settings
    private let reloadSettings: () throws -> Settings
    private let logger: Logger
    private let notifier = SystemdNotifier()
    private let spool: Spool
    private var sources: [any PolledSource] = []
    private var signer: EventSigner
    private var aggregator = Aggregator()
    private var windowStart = WireTimestamp.now()
    private var reportedLost = 0
    /// Checkpoint keys the spool holds, so the rows of files that are gone can be dropped.
    private var savedKeys: Set<String> = []
    /// The checkpoints of the last commit: a quiet window with the same ones writes nothing.
    private var lastCheckpoints: [SourceCheckpoint] = []
    /// The thread that ships the spool, woken after each committed batch; set while ``run()`` runs.
    private var shipping: ShippingThread?

    /// Opens the spool; `reload` re-reads the configuration on SIGHUP.
    public init(settings: Settings, logger: Logger, reload: @escaping () throws -> Settings) throws {
        self.settings = settings
        self.reloadSettings = reload
        self.logger = logger
        self.signer = EventSigner(detector: settings.detector)
        try Self.makeDirectory(settings.stateDirectory)
        spool = try Spool(path: Self.spoolPath(settings), configuration: settings.spool)
    }

    static func spoolPath(_ settings: Settings) -> String { settings.stateDirectory + "/agent.sqlite" }

    /// Runs until SIGTERM or SIGINT, then flushes, checkpoints and returns.
    public func run() throws {
        let signals = try SignalPipe()
        try openSources()
        let shipping = ShippingThread(
            spoolPath: Self.spoolPath(settings), spoolConfiguration: settings.spool,
            configuration: settings.shipper, logger: logger)
        try shipping.start()
        self.shipping = shipping
        defer {
            shipping.stop()
            self.shipping = nil
        }
        _ = try? notifier.ready(status: status())
        logger.info("faultline-agent started", metadata: ["agent.id": "\(spool.agentID)", "host": "\(settings.host)"])

        var nextFlush = deadline(after: settings.flushInterval)
        var nextWatchdog = notifier.watchdogPingInterval.map { deadline(after: $0) }
        // Read at once: files and the journal may hold a backlog, which no inotify or journal event announces.
        var moreWaiting = true
        while true {
            let now = WireTimestamp.now()
            var wait = nextFlush.microseconds - now.microseconds
            if let watchdog = nextWatchdog { wait = min(wait, watchdog.microseconds - now.microseconds) }
            for source in sources {
                if let tick = source.timeUntilNextTick { wait = min(wait, Self.microseconds(tick)) }
            }
            let full = (try? spool.isFull) ?? false
            if full { wait = min(wait, 500_000) }
            if moreWaiting && !full { wait = 0 }
            waitForInput(signals: signals, sources: full ? [] : sources, microseconds: max(0, wait))

            switch signals.take() {
            case .stop?:
                _ = try? notifier.stopping(status: "flushing")
                try flush()
                logger.info("faultline-agent stopped", metadata: ["agent.id": "\(spool.agentID)"])
                return
            case .reload?:
                try reload()
            case nil:
                break
            }
            moreWaiting = full ? false : try readAvailable(limit: 16)
            let tickTime = WireTimestamp.now()
            for source in sources {
                try source.tick(now: tickTime, emit: consume)
                for problem in source.takeProblemDescriptions() { logger.warning("\(problem)") }
            }
            if tickTime >= nextFlush {
                try flush()
                nextFlush = deadline(after: settings.flushInterval)
                _ = try? notifier.status(status())
            }
            if let watchdog = nextWatchdog, tickTime >= watchdog, let interval = notifier.watchdogPingInterval {
                _ = try? notifier.watchdogPing()
                nextWatchdog = deadline(after: interval)
            }
        }
    }

    // MARK: - Sources

    private func openSources() throws {
        let checkpoints = try spool.loadCheckpoints()
        savedKeys = Set(checkpoints.map(\.key))
        var opened: [any PolledSource] = []
        if let journald = settings.journald {
            let saved = checkpoints.first { $0.key == JournaldSource.checkpointKey }
            opened.append(
                try JournaldSource(
                    settings: journald, filter: settings.journalFilter, checkpoint: saved, logger: logger))
        }
        for configuration in settings.files {
            opened.append(try FileTailSource(configuration: configuration, checkpoints: checkpoints))
        }
        sources = opened
    }

    /// Reads every source until it has nothing more, at most `limit` budgets each; `true` when a source still
    /// has events waiting.
    @discardableResult
    private func readAvailable(limit: Int) throws -> Bool {
        var more = false
        for source in sources {
            var rounds = 0
            while try source.read(maximumEvents: Self.readBudget, emit: consume) {
                rounds += 1
                if rounds == limit {
                    more = true
                    break
                }
            }
        }
        return more
    }

    private func consume(_ event: LogEvent) {
        if let (severity, signature) = signer.sign(event) {
            aggregator.add(event, severity: severity, signature: signature)
        }
    }

    private func waitForInput(signals: SignalPipe, sources: [any PolledSource], microseconds: Int64) {
        var descriptors = [pollfd(fd: signals.readDescriptor, events: Int16(POLLIN), revents: 0)]
        for source in sources {
            descriptors.append(pollfd(fd: source.pollDescriptor, events: source.pollEvents, revents: 0))
        }
        _ = poll(&descriptors, nfds_t(descriptors.count), Int32(clamping: (microseconds + 999) / 1000))
    }

    // MARK: - Flush

    /// Commits the window's groups (or a heartbeat, or only the checkpoints) with the sources' positions.
    private func flush() throws {
        let now = WireTimestamp.now()
        let window = Batch.Window(start: windowStart, end: now)
        let counts = signer.takeCounts()
        let lost = sources.reduce(0) { $0 + $1.linesLost }
        let health = Batch.Health(
            linesRead: counts.linesRead, errorsSeen: counts.errorsSeen, linesLost: max(0, lost - reportedLost))
        let checkpoints = sources.flatMap { $0.checkpoints() }
        let current = Set(checkpoints.map(\.key))
        let forgetting = savedKeys.subtracting(current).filter { key in sources.contains { $0.owns(checkpointKey: key) }
        }
        let groups = aggregator.drain()
        let heartbeatInterval = settings.heartbeatInterval - settings.flushInterval
        if !groups.isEmpty || spool.isHeartbeatDue(at: now, interval: max(heartbeatInterval, .seconds(1))) {
            let sender = Spool.Sender(host: settings.host, version: FaultlineVersion.current)
            try spool.commit(
                window: window, groups: groups, health: health, sender: sender, checkpoints: checkpoints,
                forgetting: Array(forgetting))
            shipping?.batchCommitted()
        } else if checkpoints != lastCheckpoints || !forgetting.isEmpty || health != Batch.Health() {
            try spool.commitCheckpointsOnly(checkpoints, health: health, forgetting: Array(forgetting))
        }
        lastCheckpoints = checkpoints
        savedKeys = savedKeys.subtracting(forgetting).union(current)
        reportedLost = lost
        windowStart = now
    }

    // MARK: - Reload

    /// SIGHUP: flush, then rebuild the sources from the checkpoints just saved, so nothing is read twice.
    private func reload() throws {
        _ = try? notifier.reloading(status: "reloading the configuration")
        do {
            let fresh = try reloadSettings()
            try flush()
            settings.journald = fresh.journald
            settings.journalFilter = fresh.journalFilter
            settings.files = fresh.files
            settings.detector = fresh.detector
            settings.flushInterval = fresh.flushInterval
            settings.heartbeatInterval = fresh.heartbeatInterval
            signer = EventSigner(detector: fresh.detector)
            sources = []
            reportedLost = 0
            try openSources()
            logger.info("configuration reloaded")
        } catch {
            logger.error("configuration not reloaded; the previous one stays in force", metadata: ["error": "\(error)"])
        }
        _ = try? notifier.ready(status: status())
    }

    // MARK: - Helpers

    private func status() -> String {
        let pending = (try? spool.pendingBytes) ?? 0
        return "\(sources.count) sources, \(pending) bytes waiting to ship"
    }

    private func deadline(after duration: Duration) -> WireTimestamp {
        WireTimestamp(microseconds: WireTimestamp.now().microseconds + Self.microseconds(duration))
    }

    private static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    private static func makeDirectory(_ path: String) throws {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o750) != 0, errno != EEXIST {
                throw RuntimeError.system("mkdir \(prefix)", errno: errno)
            }
        }
    }
}
