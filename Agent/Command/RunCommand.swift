import ArgumentParser
import FaultlineAgent
import FaultlineCore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: tail journald and log files and ship their errors to the collector.",
        discussion: """
            The command of the systemd unit. It reads the configuration, reports READY, STATUS and WATCHDOG \
            to systemd when started by it, reloads the configuration on SIGHUP without reading any file again, \
            and on SIGTERM flushes what it read and saves its checkpoints before exiting. Its own logs go to \
            journald with structured fields when it runs under systemd, to standard error otherwise.
            """
    )

    @Option(
        help: ArgumentHelp(
            "The configuration file (default: \(AgentConfiguration.defaultPath)); it must exist when given.",
            valueName: "path"))
    var config: String?

    func run() throws {
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
        } catch {
            logger.critical("faultline-agent cannot run", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
