import ArgumentParser
import FaultlineCollector

struct ClientAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a client with the addresses its emails go to.",
        discussion: "Then issue its agents a token with 'token issue --client NAME'."
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "A short unique name: letters, digits, '.', '_' and '-'.")
    var name: String

    @Option(name: .customLong("email"), help: "A contact address; repeat for several.")
    var emails: [String] = []

    func validate() throws {
        if let problem = Client.problem(withName: name) {
            throw ValidationError("the client name '\(name)' \(problem)")
        }
        for email in emails {
            if let problem = Client.problem(withEmail: email) { throw ValidationError("--email: \(problem)") }
        }
    }

    func run() async throws {
        let client = try await options.withMigratedStore { store in
            try await store.addClient(named: name, emails: emails)
        }
        print("added client '\(client.name)' (id \(client.id))")
    }
}
