import ArgumentParser
import FaultlineCollector

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token: the agents using it are refused (401) from now on.",
        discussion: "Find the token's id with 'token list'."
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "The token's id.")
    var id: Int64

    func run() async throws {
        let record = try await options.withMigratedStore { store in try await store.revokeToken(id: id) }
        print("token \(record.id) of client '\(record.clientName)' is revoked since \(record.revokedAt!)")
    }
}
