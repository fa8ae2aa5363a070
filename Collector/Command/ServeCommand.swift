import ArgumentParser
import FaultlineCollector
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Migrate the database, then receive batches over HTTP until stopped.",
        discussion: """
            Listens on server.listen for POST /api/v1/batches and GET /healthz. Runs the pending database \
            migrations first, so that a new version needs no separate step. Stops on SIGTERM or SIGINT.
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
            let outbox = MailOutbox(sender: configuration.mail.from)
            let engine = TicketEngine(configuration: configuration.tickets, outbox: outbox, logger: logger)
            let application = CollectorApplication.make(
                configuration: configuration, store: store, hooks: [engine], logger: logger)
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
                try await application.runService()
                group.cancelAll()
            }
            try await store.shutdown()
        } catch {
            try? await store.shutdown()
            throw error
        }
    }
}
