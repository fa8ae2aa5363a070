import ArgumentParser
import FaultlineAgent

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Sign the error lines of a file or standard input and print their groups."
    )

    @Argument(help: "The log file to read; standard input when absent.")
    var file: String?

    func run() throws {
    }
}
