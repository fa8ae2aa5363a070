import FaultlineAgent
import FaultlineCore
import Logging

/// `faultline-agent run`: the daemon, as the systemd unit starts it.
struct RunCommand: AgentSubcommand {
    static let name = "run"
    static let abstract = "Run the agent: tail journald and log files and ship their errors to the collector."
    static let usage = "run [--config <path>]"
    static let help = """
        OVERVIEW: \(abstract)

        The command of the systemd unit. It reads the configuration, reports READY, STATUS and WATCHDOG to
        systemd when started by it, reloads the configuration on SIGHUP without reading any file again, and on
        SIGTERM flushes what it read and saves its checkpoints before exiting. Its own logs go to journald with
        structured fields when it runs under systemd, to standard error otherwise.

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
        LoggingSystem.bootstrap { label in
            if JournaldLogHandler.isStandardErrorConnectedToJournal {
                return JournaldLogHandler(label: label, identifier: "faultline-agent")
            }
            return StreamLogHandler.standardError(label: label)
        }
        let logger = Logger(label: "faultline-agent")
        let path = config
        do {
            let settings = try AgentRuntime.Settings.load(path: path)
            let runtime = try AgentRuntime(settings: settings, logger: logger) {
                try AgentRuntime.Settings.load(path: path)
            }
            try runtime.run()
            return 0
        } catch {
            logger.critical("faultline-agent cannot run", metadata: ["error": "\(error)"])
            return 1
        }
    }
}
