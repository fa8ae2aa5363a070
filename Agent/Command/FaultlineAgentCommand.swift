import FaultlineCore

#if canImport(Glibc)
    import Glibc
#endif

/// `faultline-agent`: picks the subcommand, answers `--help` and `--version`, and turns usage errors into
/// status 64 with a pointer to the help.
@main
enum FaultlineAgentCommand {
    static var subcommands: [any AgentSubcommand.Type] { [RunCommand.self, ScanCommand.self, CheckConfigCommand.self] }

    static var overview: String {
        var text = """
            OVERVIEW: Tail journald and log files, recognise error lines, sign them and ship them to a collector.

            USAGE: faultline-agent <subcommand>

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:

            """
        for command in subcommands {
            text += "  " + command.name.padding(to: 22) + "  " + command.abstract + "\n"
        }
        text += "\n  See 'faultline-agent help <subcommand>' for detailed help.\n"
        return text
    }

    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let first = arguments.first else {
            printStandardError(overview)
            exit(64)
        }
        switch first {
        case "--help", "-h":
            print(overview, terminator: "")
            exit(0)
        case "--version":
            print(FaultlineVersion.current)
            exit(0)
        case "help":
            guard let name = arguments.dropFirst().first else {
                print(overview, terminator: "")
                exit(0)
            }
            guard let command = subcommands.first(where: { $0.name == name }) else {
                fail(UsageError("unknown subcommand '\(name)'"), usage: "faultline-agent help <subcommand>")
            }
            print(command.help, terminator: "")
            exit(0)
        default:
            guard let command = subcommands.first(where: { $0.name == first }) else {
                fail(UsageError("unknown subcommand '\(first)'"), usage: "faultline-agent <subcommand>")
            }
            exit(run(command, Array(arguments.dropFirst())))
        }
    }

    private static func run(_ command: any AgentSubcommand.Type, _ arguments: [String]) -> Int32 {
        do throws(UsageError) {
            let parsed = try CommandLineArguments(
                arguments, flags: command.flags, options: command.options,
                maximumPositionals: command.maximumPositionals)
            if parsed.wantsHelp {
                print(command.help, terminator: "")
                return 0
            }
            return try command.init(arguments: parsed).run()
        } catch {
            fail(error, usage: "faultline-agent " + command.usage, helpFor: command.name)
        }
    }

    private static func fail(_ error: UsageError, usage: String, helpFor name: String? = nil) -> Never {
        let help = name.map { "faultline-agent \($0) --help" } ?? "faultline-agent --help"
        printStandardError("Error: \(error)\nUsage: \(usage)\n  See '\(help)' for more information.\n")
        exit(64)
    }
}

/// Writes `text` to standard error as it is.
func printStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}

extension String {
    /// The string, padded with spaces to `width` characters.
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
