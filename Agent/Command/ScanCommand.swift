import ArgumentParser
import FaultlineAgent
import FaultlineCore

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Sign the error lines of a file or standard input and print their groups.",
        discussion: """
            Reads lines, recognises error lines (level words such as ERROR or FATAL, exception markers), \
            computes each one's template and fingerprint, groups fingerprints whose templates differ only \
            in variable positions, and prints the groups, most frequent first.
            """
    )

    @Argument(help: "The log file to read; standard input when absent.")
    var file: String?

    @Flag(help: "Sign every line, not only the ones detected as errors.")
    var all = false

    @Option(help: "The source identity (journald unit, syslog identifier or app label) used in fingerprints.")
    var source = ""

    @Flag(help: "Print the groups as JSON.")
    var json = false

    @Flag(help: "Print one JSON record per signed line, in input order, instead of groups.")
    var lines = false

    func validate() throws {
        if json && lines { throw ValidationError("--json and --lines are different outputs; choose one.") }
    }

    func run() throws {
        var scanner = Scanner(options: .init(signAllLines: all, source: source))
        do {
            try scanner.consume(path: file)
        } catch let error as ScanError {
            throw ValidationError(error.description)
        }
        if lines {
            ScanReport.jsonLines(scanner.lineRecords()) { print($0, terminator: "") }
        } else if json {
            print(ScanReport.json(scanner.groups()), terminator: "")
        } else {
            print(ScanReport.table(scanner.groups()), terminator: "")
        }
    }
}
