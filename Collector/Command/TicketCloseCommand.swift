import ArgumentParser
import FaultlineCollector

struct TicketCloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a ticket without waiting for a validation window."
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "The ticket's id.")
    var id: Int64

    @Option(help: "Who closes the ticket, for the timeline.")
    var actor = "admin"

    func run() async throws {
        try await options.withMigratedStore { store in
            try await store.setStatus(ofTicket: id, to: .closed, actor: actor)
        }
        print("ticket #\(id) is closed")
    }
}
