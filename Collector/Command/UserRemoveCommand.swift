import ArgumentParser
import FaultlineCollector

struct UserRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Disable a user: its token is refused from now on; its name stays in the tickets' history."
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "The user's name.")
    var name: String

    func run() async throws {
        try await options.withMigratedStore { store in try await store.removeUser(named: name) }
        print("user '\(name)' is disabled")
    }
}
