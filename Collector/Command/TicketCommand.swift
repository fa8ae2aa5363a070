import ArgumentParser

struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket",
        abstract: "List and show tickets, record fixes, close tickets.",
        subcommands: [TicketListCommand.self, TicketShowCommand.self, TicketFixCommand.self, TicketCloseCommand.self]
    )
}
