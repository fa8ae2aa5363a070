import ArgumentParser

struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket",
        abstract: "List and show tickets, work on them, record fixes, close them.",
        subcommands: [
            TicketListCommand.self, TicketShowCommand.self, TicketStartCommand.self, TicketAssignCommand.self,
            TicketCommentCommand.self, TicketFixCommand.self, TicketCloseCommand.self,
        ]
    )
}
