/// A subcommand's arguments, parsed by hand: `faultline-agent` links no argument-parsing library, because
/// swift-argument-parser brings `FoundationEssentials` with it (megabytes of binary and of resident memory on
/// every host of a fleet).
///
/// Understands `--name value`, `--name=value`, flags, `--` before positionals, and rejects anything else with a
/// ``UsageError`` that names the argument.
struct CommandLineArguments {
    /// The flags given, by name without dashes.
    private(set) var flags: Set<String> = []
    /// The options given, by name without dashes; the last value wins.
    private(set) var options: [String: String] = [:]
    /// The positional arguments, in order.
    private(set) var positionals: [String] = []
    /// Whether `--help` or `-h` was among the arguments.
    private(set) var wantsHelp = false

    /// Parses `arguments` against the subcommand's `flags`, `options` (which take a value) and the number of
    /// positionals it accepts.
    init(
        _ arguments: some Sequence<String>, flags knownFlags: Set<String> = [], options knownOptions: Set<String> = [],
        maximumPositionals: Int = 0
    ) throws(UsageError) {
        var iterator = arguments.makeIterator()
        var onlyPositionals = false
        while let argument = iterator.next() {
            if onlyPositionals || argument == "-" || !argument.hasPrefix("-") {
                guard positionals.count < maximumPositionals else {
                    throw UsageError("unexpected argument '\(argument)'")
                }
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            if argument == "--help" || argument == "-h" {
                wantsHelp = true
                continue
            }
            guard argument.hasPrefix("--") else { throw UsageError("unknown option '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if knownFlags.contains(name) {
                guard inlineValue == nil else { throw UsageError("the flag '--\(name)' takes no value") }
                flags.insert(name)
            } else if knownOptions.contains(name) {
                guard let value = inlineValue ?? iterator.next() else {
                    throw UsageError("the option '--\(name)' needs a value")
                }
                options[name] = value
            } else {
                throw UsageError("unknown option '--\(name)'")
            }
        }
    }
}
