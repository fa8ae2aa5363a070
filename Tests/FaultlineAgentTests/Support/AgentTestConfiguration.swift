import Foundation

/// An `agent.toml` for the end-to-end tests: short intervals, the journal off unless a test reads one, and
/// files read from their beginning (so a line written before the agent's first start is not skipped).
struct AgentTestConfiguration {
    /// One `[[files]]` section.
    struct FileSection {
        /// The globs.
        var paths: [String]
        /// The app label.
        var app = "shop"
        /// `beginning` or `end`.
        var start = "beginning"
    }

    /// The `[journald]` section of a test that reads journal files.
    struct JournalSection {
        /// The directory of journal files.
        var directory: String
        /// The units read.
        var units: [String]
        /// `head`, `tail` or `since:...`.
        var start = "head"
    }

    /// `[agent] flush_interval`.
    var flushInterval = "500ms"
    /// `[agent] heartbeat_interval`.
    var heartbeatInterval = "60s"
    /// `[spool] max_bytes`, or the default.
    var spoolMaximumBytes: String?
    /// The `[[files]]` sections.
    var files: [FileSection] = []
    /// The `[journald]` section; `nil` writes `enabled = false`.
    var journald: JournalSection?

    /// The TOML text, shipping to `collectorURL` with the token in `tokenFile`, state in `stateDirectory`.
    func rendered(collectorURL: String, tokenFile: String, stateDirectory: String) -> String {
        var text = """
            [agent]
            host = "integration-host"
            state_directory = \(quoted(stateDirectory))
            flush_interval = \(quoted(flushInterval))
            heartbeat_interval = \(quoted(heartbeatInterval))

            [collector]
            urls = [\(quoted(collectorURL))]
            token_file = \(quoted(tokenFile))
            connect_timeout = "2s"
            timeout = "10s"

            """
        if let spoolMaximumBytes {
            text += "\n[spool]\nmax_bytes = \(quoted(spoolMaximumBytes))\n"
        }
        if let journald {
            text += """

                [journald]
                directory = \(quoted(journald.directory))
                units = [\(journald.units.map(quoted).joined(separator: ", "))]
                start = \(quoted(journald.start))

                """
        } else {
            text += "\n[journald]\nenabled = false\n"
        }
        for section in files {
            text += """

                [[files]]
                paths = [\(section.paths.map(quoted).joined(separator: ", "))]
                app = \(quoted(section.app))
                start = \(quoted(section.start))

                """
        }
        return text
    }

    /// A TOML basic string.
    private func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
