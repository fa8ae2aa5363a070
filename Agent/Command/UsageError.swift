/// The command line is wrong: an unknown option, a missing value, a conflict. `faultline-agent` prints it with
/// the subcommand's usage line and exits with status 64 (`EX_USAGE`).
struct UsageError: Error, CustomStringConvertible {
    /// What was wrong, naming the argument.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
