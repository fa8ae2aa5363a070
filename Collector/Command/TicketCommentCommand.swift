import ArgumentParser
import FaultlineCollector

struct TicketCommentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment",
        abstract: "Add a comment to a ticket's timeline."
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "The ticket's id.")
    var id: Int64

    @Argument(help: "The comment.")
    var text: String

    @Option(help: "Who comments, for the timeline.")
    var actor = "admin"

    func validate() throws {
        if text.allSatisfy(\.isWhitespace) { throw ValidationError("a comment cannot be empty") }
    }

    func run() async throws {
        try await options.withMigratedStore { store in
            try await store.comment(ticketID: id, text: text, actor: actor)
        }
        print("commented on ticket #\(id)")
    }
}
