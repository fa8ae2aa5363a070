import ArgumentParser
import FaultlineCollector

struct UserAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a user and print its API token, once.",
        discussion: """
            Roles: admin and technician see and work on every ticket; client sees and comments on the tickets \
            that affect its client (--client). The token is printed on standard output and never again: the \
            database keeps only its SHA-256.
            """
    )

    @OptionGroup var options: CollectorOptions

    @Argument(help: "The user's name, as the tickets' history shows it.")
    var name: String

    @Option(help: "admin, technician or client.")
    var role: User.Role

    @Option(help: "The client a user with role client belongs to.")
    var client: String?

    func validate() throws {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f }) else {
            throw ValidationError("the user name must be one word without spaces or control characters")
        }
    }

    func run() async throws {
        let issued = try await options.withMigratedStore { store in
            try await store.addUser(named: name, role: role, clientName: client)
        }
        print(issued.token)
        let of = issued.user.clientName.map { " of client '\($0)'" } ?? ""
        printToStandardError("added \(role.rawValue) '\(name)'\(of); its token is not shown again")
    }
}

extension User.Role: ExpressibleByArgument {}
