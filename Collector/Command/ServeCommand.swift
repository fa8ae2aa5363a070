import ArgumentParser
import CoreMetrics
import FaultlineCollector
import FaultlineCore
import Hummingbird
import Logging
import Prometheus

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Migrate the database, then receive batches over HTTP until stopped.",
        discussion: """
            Listens on server.listen for POST /api/v1/batches, GET /healthz, GET /metrics and the tickets API. \
            Runs the pending database migrations first, so that a new version needs no separate step. Under \
            systemd (Type=notify) it reports READY once it listens and pings the watchdog while its database \
            answers. Stops on SIGTERM or SIGINT: the requests in flight finish, then it exits.
            """
    )

    @OptionGroup var options: CollectorOptions

    @Option(help: "The lowest log level written: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
        }
    }

    func run() async throws {
        LoggingSetup.bootstrap(level: Logger.Level(rawValue: logLevel)!)
        let (configuration, _) = try options.loadConfiguration()
        let logger = Logger(label: "faultline.collector")
        let store = try await options.openStore(configuration, logger: logger)
        do {
            try await store.migrate()
            let metrics = CollectorMetrics()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
            let outbox = MailOutbox(sender: configuration.mail.from, templates: configuration.mailTemplates)
            let engine = TicketEngine(configuration: configuration.tickets, outbox: outbox, logger: logger)
            let notifier = SystemdNotifier()
            let listen = configuration.server.listen
            let application = CollectorApplication.make(
                configuration: configuration, store: store, hooks: [engine], metrics: metrics, logger: logger,
                onServerRunning: {
                    _ = try? notifier.ready(status: "listening on \(listen), database \(store.engine.rawValue)")
                })
            let scheduler = ValidationScheduler(
                store: store, outbox: outbox, interval: configuration.tickets.validationCheckInterval, logger: logger)
            let sender = MailSender(store: store, configuration: configuration.mail, logger: logger)
            if configuration.mail.smtpURL == nil {
                logger.warning("no SMTP server is configured (mail.smtp_url); emails stay queued in the outbox")
            }
            logger.info(
                "collector starting",
                metadata: [
                    "server.listen": "\(configuration.server.listen)", "database.engine": "\(store.engine.rawValue)",
                ])
            // The server handles SIGTERM; once it has stopped, the background loops are cancelled.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await scheduler.run() }
                if configuration.mail.smtpURL != nil {
                    group.addTask { await sender.run() }
                }
                if let interval = notifier.watchdogPingInterval {
                    group.addTask { await Self.pingWatchdog(notifier, every: interval, store: store, logger: logger) }
                }
                try await application.runService()
                _ = try? notifier.stopping(status: "stopped serving; closing the database")
                group.cancelAll()
            }
            try await store.shutdown()
        } catch {
            try? await store.shutdown()
            throw error
        }
    }

    /// Pings systemd's watchdog every `interval` while the database answers; a collector whose database hangs
    /// stops pinging, and systemd restarts it.
    private static func pingWatchdog(
        _ notifier: SystemdNotifier, every interval: Duration, store: Store, logger: Logger
    ) async {
        while !Task.isCancelled {
            do {
                try await store.ping()
                _ = try notifier.watchdogPing()
            } catch {
                logger.error("skipped a watchdog ping", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
