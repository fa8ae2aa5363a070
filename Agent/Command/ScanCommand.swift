import FaultlineAgent
import FaultlineCore

/// `faultline-agent scan`: the signature engine from the command line, an investigation tool in its own right.
struct ScanCommand: AgentSubcommand {
    static let name = "scan"
    static let abstract = "Sign the error lines of a file or standard input and print their groups."
    static let usage = "scan [<file>] [--all] [--source <source>] [--json] [--lines]"
    static let help = """
        OVERVIEW: \(abstract)

        Reads lines, recognises error lines (level words such as ERROR or FATAL, exception markers), computes
        each one's template and fingerprint, groups fingerprints whose templates differ only in variable
        positions, and prints the groups, most frequent first. `journalctl -o json` output is understood too:
        PRIORITY decides what is an error and the unit or identifier is the source.

        USAGE: faultline-agent \(usage)

        ARGUMENTS:
          <file>                  The log file to read; standard input when absent.

        OPTIONS:
          --all                   Sign every line, not only the ones detected as errors.
          --source <source>       The source identity (journald unit, syslog identifier or app label) used in
                                  fingerprints.
          --json                  Print the groups as JSON.
          --lines                 Print one JSON record per signed line, in input order, instead of groups.
          -h, --help              Show help information.

        """
    static let flags: Set<String> = ["all", "json", "lines"]
    static let options: Set<String> = ["source"]
    static let maximumPositionals = 1

    let file: String?
    let all: Bool
    let source: String
    let json: Bool
    let lines: Bool

    init(arguments: CommandLineArguments) throws(UsageError) {
        file = arguments.positionals.first
        all = arguments.flags.contains("all")
        source = arguments.options["source"] ?? ""
        json = arguments.flags.contains("json")
        lines = arguments.flags.contains("lines")
        if json && lines { throw UsageError("--json and --lines are different outputs; choose one.") }
    }

    func run() -> Int32 {
        var scanner = Scanner(options: .init(signAllLines: all, source: source))
        do {
            try scanner.consume(path: file)
        } catch {
            printStandardError("Error: \(error)\n")
            return 1
        }
        if lines {
            ScanReport.jsonLines(scanner.lineRecords()) { print($0, terminator: "") }
        } else if json {
            print(ScanReport.json(scanner.groups()), terminator: "")
        } else {
            print(ScanReport.table(scanner.groups()), terminator: "")
        }
        return 0
    }
}
