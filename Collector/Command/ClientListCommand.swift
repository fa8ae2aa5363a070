import ArgumentParser
import FaultlineCollector

struct ClientListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the clients with their contact addresses."
    )

    @OptionGroup var options: CollectorOptions

    func run() async throws {
        let clients = try await options.withMigratedStore { store in try await store.clients() }
        if clients.isEmpty {
            print("no clients; add one with 'faultline-collector client add NAME --email ADDRESS'")
        }
        for client in clients {
            print("\(client.name)\t\(client.emails.joined(separator: ","))\t\(client.createdAt)")
        }
    }
}
