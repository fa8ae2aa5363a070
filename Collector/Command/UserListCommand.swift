import ArgumentParser
import FaultlineCollector

struct UserListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the users: name, role, client, created, disabled."
    )

    @OptionGroup var options: CollectorOptions

    func run() async throws {
        let users = try await options.withMigratedStore { store in try await store.users() }
        if users.isEmpty {
            print("no users; add one with 'faultline-collector user add NAME --role admin|technician|client'")
        }
        for user in users {
            let disabled = user.disabledAt.map { "disabled \($0)" } ?? "enabled"
            print("\(user.name)\t\(user.role.rawValue)\t\(user.clientName ?? "-")\t\(user.createdAt)\t\(disabled)")
        }
    }
}
