import ArgumentParser

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add, list and remove the users of the tickets API and the dashboard.",
        subcommands: [UserAddCommand.self, UserListCommand.self, UserRemoveCommand.self]
    )
}
