import ArgumentParser

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, list and revoke the bearer tokens agents authenticate with.",
        subcommands: [TokenIssueCommand.self, TokenListCommand.self, TokenRevokeCommand.self]
    )
}
