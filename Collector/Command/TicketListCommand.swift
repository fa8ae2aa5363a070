import ArgumentParser
import FaultlineCollector
import FaultlineCore

struct TicketListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tickets, the most recently changed first."
    )

    @OptionGroup var options: CollectorOptions

    @Option(help: "Only tickets with this status: open, in_progress, fixed, reopened or closed.")
    var status: String?

    func validate() throws {
        if let status, TicketStatus(rawValue: status) == nil {
            throw ValidationError("--status must be open, in_progress, fixed, reopened or closed")
        }
    }

    func run() async throws {
        let tickets = try await options.withMigratedStore { store in
            try await store.tickets(status: status.flatMap(TicketStatus.init(rawValue:)))
        }
        if tickets.isEmpty { print("no tickets") }
        for ticket in tickets {
            let fields = [
                "#\(ticket.id)", ticket.status.rawValue, ticket.priority.rawValue, ticket.category,
                "\(ticket.occurrences)", "\(ticket.lastSeen)", EscapedText.terminal(ticket.title),
            ]
            print(fields.joined(separator: "\t"))
        }
    }
}
