import FaultlineCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension AgentRuntime.Settings {
    /// Reads `agent.toml` (the default path when `path` is `nil`), checks it can run, and reads the token file.
    public static func load(path: String?) throws -> AgentRuntime.Settings {
        let configuration = try AgentConfiguration.load(path: path)
        try configuration.checkReadyToRun()
        return try AgentRuntime.Settings(configuration: configuration)
    }

    /// The runtime's settings from a checked configuration; reads the token file.
    public init(configuration: AgentConfiguration) throws {
        let shipping = configuration.shipping
        let token = try Self.readToken(shipping.tokenFile)
        let client = shipping.httpClientConfiguration
        self.init(
            stateDirectory: configuration.stateDirectory,
            host: configuration.host.isEmpty ? Self.hostName() : configuration.host,
            flushInterval: configuration.flushInterval,
            heartbeatInterval: configuration.heartbeatInterval,
            journald: configuration.journal.isEnabled ? configuration.journal : nil,
            journalFilter: configuration.journalFilter,
            files: try configuration.files.map(FileSourceConfiguration.init(settings:)),
            detector: configuration.detection.detectorConfiguration,
            spool: Spool.Configuration(maximumBytes: configuration.spool.maximumBytes),
            shipper: ShipperConfiguration(
                collectorURLs: shipping.urls, token: token, tls: client.tls,
                connectTimeout: shipping.connectTimeout, totalTimeout: shipping.timeout))
    }

    private static func readToken(_ path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw RuntimeError.configuration(
                "cannot read the token file '\(path)': \(String(cString: strerror(errno))); "
                    + "put the agent token issued by the collector there, or set token_file in [collector]")
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = read(descriptor, &bytes, bytes.count)
        guard count > 0 else {
            throw RuntimeError.configuration("the token file '\(path)' is empty; put the agent token there")
        }
        var token = String(decoding: bytes[0..<count], as: UTF8.self)
        while let last = token.last, last.isWhitespace { token.removeLast() }
        return token
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension FileSourceConfiguration {
    /// The file source's settings from one `[[files]]` section of `agent.toml`.
    ///
    /// - Throws: ``LineStartPatternError`` when `multiline_start` is not a valid pattern.
    public init(settings: FileSourceSettings) throws {
        let rule: MultilineConfiguration.Rule
        switch settings.multiline.kind {
        case .automatic: rule = .stackTraces
        case .singleLine: rule = .singleLines
        case .startPattern(let pattern): rule = .startPatterns([try LineStartPattern(pattern)])
        }
        self.init(
            globs: settings.paths,
            excludeGlobs: FileSourceConfiguration.defaultExcludeGlobs + settings.exclude,
            app: settings.identity,
            maximumLineBytes: settings.maximumLineBytes,
            readFromBeginning: settings.start == .beginning,
            multiline: MultilineConfiguration(
                rule: rule, maximumLines: settings.multiline.maximumLines, maximumWait: settings.multiline.timeout))
    }
}
