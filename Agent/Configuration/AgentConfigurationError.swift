/// A configuration that is valid but cannot run the agent, such as one without a collector.
///
/// Problems with the file itself (syntax, unknown keys, bad values) are ``FaultlineCore/ConfigurationError``s;
/// this one comes from ``AgentConfiguration/checkReadyToRun()``.
public struct AgentConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case noCollector
    }

    private let code: Code
    /// The configuration file, as it was given.
    public let fileName: String

    private init(_ code: Code, fileName: String) {
        self.code = code
        self.fileName = fileName
    }

    /// No `urls` in `[collector]`: batches would have nowhere to go.
    static func noCollector(fileName: String) -> AgentConfigurationError {
        AgentConfigurationError(.noCollector, fileName: fileName)
    }

    /// Whether the problem is the missing collector URL.
    public var isMissingCollector: Bool { code == .noCollector }

    /// What is missing and what to write, naming the file.
    public var description: String {
        switch code {
        case .noCollector:
            "\(fileName): no collector to ship to; set urls in the [collector] section, "
                + "such as urls = [\"https://collector.example:8443\"]"
        }
    }
}
