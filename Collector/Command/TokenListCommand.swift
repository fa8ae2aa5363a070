import ArgumentParser
import FaultlineCollector

struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tokens issued (id, client, issued, revoked); never the tokens themselves."
    )

    @OptionGroup var options: CollectorOptions

    @Option(help: "Only the tokens of this client.")
    var client: String?

    func run() async throws {
        let tokens = try await options.withMigratedStore { store in try await store.tokens(ofClient: client) }
        for token in tokens {
            let revoked = token.revokedAt.map { "revoked \($0)" } ?? "active"
            print("\(token.id)\t\(token.clientName)\t\(token.createdAt)\t\(revoked)")
        }
    }
}
