import ArgumentParser
import FaultlineCollector
import FaultlineCore

struct TicketShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a ticket with its affected hosts and clients and its timeline."
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "The ticket's id.")
    var id: Int64

    func run() async throws {
        guard let detail = try await options.withMigratedStore({ store in try await store.ticketDetail(id: id) })
        else {
            throw ValidationError("no ticket #\(id); see 'faultline-collector ticket list'")
        }
        let ticket = detail.ticket
        print("Ticket #\(ticket.id): \(EscapedText.terminal(ticket.title))")
        print("Status:      \(ticket.status.rawValue)\(ticket.resolution.map { " (\($0))" } ?? "")")
        print("Priority:    \(ticket.priority.rawValue), category \(ticket.category)")
        print("Error:       \(EscapedText.terminal(detail.template))")
        print("Seen:        \(ticket.firstSeen) .. \(ticket.lastSeen), \(ticket.occurrences) occurrences")
        if let ends = ticket.validationEndsAt { print("Validation:  until \(ends)") }
        if let note = ticket.fixNote {
            print("Fix:         \(EscapedText.terminal(note))\(ticket.fixVersion.map { " (version \($0))" } ?? "")")
        }
        print("Clients:     \(detail.clients.joined(separator: ", "))")
        for host in detail.hosts {
            print(
                "Host:        \(host.client)/\(EscapedText.terminal(host.name)) \(host.firstSeen) .. \(host.lastSeen)")
        }
        print("")
        for event in detail.history {
            print("\(event.at)\t\(event.kind.rawValue)\t\(event.actor)\t\(EscapedText.terminal(event.detail))")
        }
    }
}
