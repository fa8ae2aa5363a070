import ArgumentParser
import FaultlineCollector

struct TicketFixCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix",
        abstract: "Record a fix: the ticket becomes fixed and its validation window starts.",
        discussion: """
            An occurrence newer than the fix reopens the ticket and emails the affected clients; a window \
            (tickets.validation_window) without one closes it and emails the resolution.
            """
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "The ticket's id.")
    var id: Int64

    @Option(help: "What was fixed, for the timeline and the resolution email.")
    var note: String

    @Option(help: "The version that carries the fix.")
    var version: String?

    @Option(help: "Who records the fix, for the timeline.")
    var actor = "admin"

    func run() async throws {
        let (configuration, _) = try options.loadConfiguration()
        try await options.withMigratedStore { store in
            try await store.recordFix(
                ticketID: id, note: note, version: version, actor: actor,
                validationWindow: configuration.tickets.validationWindow)
        }
        print("ticket #\(id) is fixed; it closes once tickets.validation_window passes without the error")
    }
}
