import ArgumentParser

struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Add and list clients: the organisations whose hosts send batches.",
        subcommands: [ClientAddCommand.self, ClientListCommand.self]
    )
}
