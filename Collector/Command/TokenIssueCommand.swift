import ArgumentParser
import FaultlineCollector

struct TokenIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a token for a client's agents and print it, once.",
        discussion: """
            The token is printed on standard output and never again: the database keeps only its SHA-256. \
            Put it in the agents' configuration; revoke it with 'token revoke ID'.
            """
    )

    @OptionGroup var options: CollectorOptions

    @Option(help: "The client the token authenticates as.")
    var client: String

    func run() async throws {
        let issued = try await options.withMigratedStore { store in try await store.issueToken(forClient: client) }
        print(issued.token)
        printToStandardError("issued token \(issued.record.id) for client '\(client)'; it is not shown again")
    }
}
