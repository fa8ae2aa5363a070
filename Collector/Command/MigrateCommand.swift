import ArgumentParser
import FaultlineCollector
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the database schema up to date.",
        discussion: """
            Applies the migrations the database has not recorded, in order, each in its own transaction, and \
            prints the schema's migrations (version, time applied, name). Safe to run while collectors serve, \
            and at the same time on several machines sharing one PostgreSQL database: one of them migrates, \
            the others wait and find the work done. `serve` runs it at start as well.
            """
    )

    @OptionGroup var options: CollectorOptions

    func run() async throws {
        LoggingSetup.bootstrap(level: .warning)
        let (configuration, _) = try options.loadConfiguration()
        let store = try await options.openStore(configuration, logger: Logger(label: "faultline.collector"))
        do {
            let applied = try await store.migrate()
            for migration in try await store.appliedMigrations() {
                print("\(migration.version)\t\(migration.appliedAt)\t\(migration.name)")
            }
            print(applied.isEmpty ? "the schema was up to date" : "applied \(applied.count) migration(s)")
            try await store.shutdown()
        } catch {
            try? await store.shutdown()
            if let error = error as? StoreError { throw ValidationError(error.message) }
            throw error
        }
    }
}
