import FaultlineAgent

/// One subcommand of `faultline-agent`: its name, help text, the arguments it accepts, and its work.
protocol AgentSubcommand {
    /// The word that selects it, such as `scan`.
    static var name: String { get }
    /// One line for the command list.
    static var abstract: String { get }
    /// The usage line, after `faultline-agent`.
    static var usage: String { get }
    /// What it does and every option, for `--help`.
    static var help: String { get }
    /// The flags it accepts, without dashes.
    static var flags: Set<String> { get }
    /// The options it accepts (each takes a value), without dashes.
    static var options: Set<String> { get }
    /// How many positional arguments it accepts.
    static var maximumPositionals: Int { get }

    /// Checks the parsed arguments; throws when they conflict.
    init(arguments: CommandLineArguments) throws(UsageError)

    /// Does the work; returns the exit status.
    func run() -> Int32
}

extension AgentSubcommand {
    static var flags: Set<String> { [] }
    static var maximumPositionals: Int { 0 }

    /// The help of `--config`, which `run` and `check-config` share, and of `--help`.
    static var configurationOptionsHelp: String {
        """
          --config <path>         The configuration file (default: \(AgentConfiguration.defaultPath)); it must
                                  exist when given.
          -h, --help              Show help information.
        """
    }
}
