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
            let application = CollectorApplication.make(configuration: configuration, store: store, logger: logger)
            logger.info(
                "collector starting",
                metadata: [
                    "server.listen": "\(configuration.server.listen)", "database.engine": "\(store.engine.rawValue)",
                ])
            try await application.runService()
            try await store.shutdown()
        } catch {
            try? await store.shutdown()
            throw error
        }
    }
}
