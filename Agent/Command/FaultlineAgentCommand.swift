import ArgumentParser
import FaultlineCore

@main
struct FaultlineAgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faultline-agent",
        abstract: "Tail journald and log files, recognise error lines, sign them and ship them to a collector.",
        version: FaultlineVersion.current,
        subcommands: [RunCommand.self, ScanCommand.self, CheckConfigCommand.self]
    )
}
