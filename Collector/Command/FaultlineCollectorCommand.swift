import ArgumentParser
import FaultlineCore

@main
struct FaultlineCollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faultline-collector",
        abstract: "Receive the agents' batches, keep one ticket per kind of error and tell the affected clients.",
        version: FaultlineVersion.current,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, CheckConfigCommand.self, ClientCommand.self, TokenCommand.self,
            UserCommand.self, TicketCommand.self,
        ]
    )
}
