import ArgumentParser
import FaultlineAgent
import FaultlineCore

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the agent's configuration file and print the effective configuration.",
        discussion: """
            Reads the configuration file, rejects unknown keys and unusable values with the file, line and key \
            they are on, and prints every setting the agent would use, defaults included, as TOML. Exits with \
            status 0 when the file is valid, 1 otherwise. A missing file at the default path is valid: every \
            setting then takes its default.
            """
    )

    @Option(
        help: ArgumentHelp(
            "The configuration file (default: \(AgentConfiguration.defaultPath)); it must exist when given.",
            valueName: "path"
        )
    )
    var config: String?

    func run() throws {
        print(try AgentConfiguration.checkedConfigurationText(path: config), terminator: "")
    }
}
