import ArgumentParser

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the configuration file and print the effective configuration.",
        discussion: """
            Reads the configuration file, reports the first problem with its file, line and key (an unknown \
            key, a value of the wrong type), and otherwise prints every setting with the value the collector \
            uses, defaults included. A missing file is not an error: every key has a default. The database \
            is not contacted.
            """
    )

    @OptionGroup var options: CollectorOptions

    func run() async throws {
        let (_, effective) = try options.loadConfiguration()
        print(effective.rendered(), terminator: "")
    }
}
