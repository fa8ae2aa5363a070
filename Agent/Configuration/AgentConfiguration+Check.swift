import FaultlineCore

extension AgentConfiguration {
    /// What `faultline-agent check-config` prints: the effective configuration of the file at `path` (or at
    /// ``defaultPath`` when `nil`) as TOML, every default included, after a comment naming the file.
    ///
    /// The text reads back as the same configuration. It notes, as comments, a missing default file (so every
    /// setting is a default) and a missing collector URL (so `run` would refuse to start). Throws the
    /// file's first problem, as ``load(path:)`` does.
    public static func checkedConfigurationText(path: String?) throws(ConfigurationError) -> String {
        let loaded = try load(path: path ?? defaultPath, missingFileMeansDefaults: path == nil)
        var text = "# Effective configuration of \(loaded.configuration.fileName), defaults included.\n"
        if !loaded.fileExists {
            text += "# The file does not exist: every setting is its default.\n"
        }
        do {
            try loaded.configuration.checkReadyToRun()
        } catch {
            text += "# Warning: \(error.description)\n"
            text += "# The configuration is valid, but `faultline-agent run` refuses to start without a collector.\n"
        }
        return text + "\n" + loaded.reader.effectiveConfiguration.rendered()
    }
}
