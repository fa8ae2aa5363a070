import ArgumentParser
import FaultlineCollector
import FaultlineCore
import Logging

/// The options every subcommand shares: where the configuration file is.
struct CollectorOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config = CollectorConfiguration.defaultPath

    /// The configuration, or a validation error naming the file, line and key.
    func loadConfiguration() throws -> (configuration: CollectorConfiguration, effective: TOMLDocument) {
        do {
            return try CollectorConfiguration.load(fromFile: config)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Opens the configured database; the caller shuts it down.
    func openStore(_ configuration: CollectorConfiguration, logger: Logger) async throws -> Store {
        try await Store.open(
            configuration.database.url, maximumConnections: configuration.database.maximumConnections, logger: logger)
    }

    /// Runs `body` with the configured database, migrated to the current schema, and closes it afterwards.
    func withMigratedStore<Result>(_ body: (Store) async throws -> Result) async throws -> Result {
        LoggingSetup.bootstrap(level: .warning)
        let (configuration, _) = try loadConfiguration()
        let logger = Logger(label: "faultline.collector")
        let store = try await openStore(configuration, logger: logger)
        do {
            try await store.migrate()
            let result = try await body(store)
            try await store.shutdown()
            return result
        } catch {
            try? await store.shutdown()
            if let error = error as? StoreError {
                throw ValidationError(error.message)
            }
            throw error
        }
    }
}
