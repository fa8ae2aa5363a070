import FaultlineAgent

/// `faultline-agent check-config`: validates the configuration file and prints the effective configuration.
struct CheckConfigCommand: AgentSubcommand {
    static let name = "check-config"
    static let abstract = "Check the agent's configuration file and print the effective configuration."
    static let usage = "check-config [--config <path>]"
    static let help = """
        OVERVIEW: \(abstract)

        Reads the configuration file, rejects unknown keys and unusable values with the file, line and key they
        are on, and prints every setting the agent would use, defaults included, as TOML. Exits with status 0
        when the file is valid, 1 otherwise. A missing file at the default path is valid: every setting then
        takes its default.

        USAGE: faultline-agent \(usage)

        OPTIONS:
        \(configurationOptionsHelp)

        """
    static let options: Set<String> = ["config"]

    /// The configuration file given with `--config`.
    let config: String?

    init(arguments: CommandLineArguments) {
        config = arguments.options["config"]
    }

    func run() -> Int32 {
        do {
            print(try AgentConfiguration.checkedConfigurationText(path: config), terminator: "")
            return 0
        } catch {
            printStandardError("Error: \(error)\n")
            return 1
        }
    }
}
