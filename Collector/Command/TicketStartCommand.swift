import ArgumentParser
import FaultlineCollector

struct TicketStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Mark a ticket in_progress: someone works on it."
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "The ticket's id.")
    var id: Int64

    @Option(help: "Who starts the work, for the timeline.")
    var actor = "admin"

    func run() async throws {
        try await options.withMigratedStore { store in
            try await store.setStatus(ofTicket: id, to: .inProgress, actor: actor)
        }
        print("ticket #\(id) is in progress")
    }
}
