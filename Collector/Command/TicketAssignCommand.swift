import ArgumentParser
import FaultlineCollector

struct TicketAssignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Assign a ticket to someone; an empty name (\"\") unassigns it."
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "The ticket's id.")
    var id: Int64

    @Argument(help: "Who works on it.")
    var assignee: String

    @Option(help: "Who assigns it, for the timeline.")
    var actor = "admin"

    func run() async throws {
        try await options.withMigratedStore { store in
            try await store.assign(ticketID: id, to: assignee, actor: actor)
        }
        print(assignee.isEmpty ? "ticket #\(id) is unassigned" : "ticket #\(id) is assigned to \(assignee)")
    }
}
