import FaultlineCore

/// Where and how batches are shipped: the `[collector]` section of `agent.toml`.
///
/// ```toml
/// [collector]
/// urls = ["https://collector-1.example:8443", "https://collector-2.example:8443"]
/// token_file = "/etc/faultline/agent.token"
/// ca_file = ""                  # empty: the system's CA store
/// insecure_skip_verify = false
/// client_certificate = ""       # for collectors that require mutual TLS
/// client_key = ""
/// connect_timeout = "10s"
/// timeout = "60s"
/// ```
///
/// The agent posts to `<url>/api/v1/batches`, trying the URLs in order and failing over to the next
/// one. With no URL the configuration is still valid (so that `check-config` can show it), but
/// ``AgentConfiguration/checkReadyToRun()`` refuses it.
public struct ShippingSettings: Sendable, Hashable {
    /// The collectors' base URLs, `http://` or `https://`, in order of preference; empty by default.
    public var urls: [String] = []
    /// The file holding the bearer token that names this agent's client to the collector.
    public var tokenFile = "/etc/faultline/agent.token"
    /// A PEM file of CA certificates to trust instead of the system's store; empty for the system's.
    public var caFile = ""
    /// Skips verifying the collector's certificate; only for tests, since the token then travels unprotected.
    public var insecureSkipVerify = false
    /// A PEM client certificate for mutual TLS; empty for none.
    public var clientCertificate = ""
    /// The private key of ``clientCertificate`` when the certificate file does not hold it; empty for none.
    public var clientKey = ""
    /// How long connecting (TCP and TLS) may take.
    public var connectTimeout = Duration.seconds(10)
    /// How long one request may take in all, connection included.
    public var timeout = Duration.seconds(60)

    /// The defaults: no collector, the token in `/etc/faultline/agent.token`, the system's CAs.
    public init() {}

    /// Reads the `[collector]` table; every key is optional.
    init(from table: ConfigurationTable) throws(ConfigurationError) {
        urls = try table.stringArray("urls", default: urls)
        for url in urls {
            if let problem = Self.urlProblem(url) {
                throw table.invalidValue("urls", "holds \"\(url)\": \(problem)")
            }
        }
        tokenFile = try table.absolutePath("token_file", default: tokenFile, allowsEmpty: false)
        caFile = try table.absolutePath("ca_file", default: caFile, allowsEmpty: true)
        insecureSkipVerify = try table.bool("insecure_skip_verify", default: insecureSkipVerify)
        clientCertificate = try table.absolutePath("client_certificate", default: clientCertificate, allowsEmpty: true)
        clientKey = try table.absolutePath("client_key", default: clientKey, allowsEmpty: true)
        connectTimeout = try table.positiveDuration("connect_timeout", default: connectTimeout)
        timeout = try table.positiveDuration("timeout", default: timeout)
    }

    /// Throws when a client key is given without its certificate.
    func checkCombination(in table: ConfigurationTable) throws(ConfigurationError) {
        if clientCertificate.isEmpty, !clientKey.isEmpty {
            throw table.invalidValue(
                "client_key", "needs 'collector.client_certificate', the certificate it belongs to")
        }
    }

    /// The HTTP client settings these describe.
    public var httpClientConfiguration: HTTPClient.Configuration {
        HTTPClient.Configuration(
            connectTimeout: connectTimeout,
            totalTimeout: timeout,
            tls: HTTPClient.TLS(
                caFile: caFile.isEmpty ? nil : caFile,
                insecureSkipVerify: insecureSkipVerify,
                clientCertificateFile: clientCertificate.isEmpty ? nil : clientCertificate,
                clientKeyFile: clientKey.isEmpty ? nil : clientKey
            )
        )
    }

    /// Why `url` is not a collector URL, completing "holds "…": …"; `nil` when it is one.
    ///
    /// Accepted: `http://` or `https://` (any case), a host name, IPv4 address or bracketed IPv6
    /// address, an optional port from 1 to 65535 and an optional path; no user, query or fragment.
    static func urlProblem(_ url: String) -> String? {
        let example = "such as \"https://collector.example:8443\""
        let lowercased = url.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lowercased.hasPrefix($0) }) else {
            return "a collector URL must start with https:// or http://, \(example)"
        }
        if url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return "a URL must not contain spaces or control characters"
        }
        let rest = url.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        if authority.contains(where: { "@?#".contains($0) }) || rest.contains(where: { "?#".contains($0) }) {
            return "a collector URL is a scheme, a host, a port and a path, \(example); no user, query or fragment"
        }
        var host = Substring(authority)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return "the IPv6 address lacks its closing ]" }
            let afterClose = host[host.index(after: close)...]
            if afterClose.hasPrefix(":") {
                port = afterClose.dropFirst()
            } else if !afterClose.isEmpty {
                return "unexpected text after the IPv6 address"
            }
            host = host[...close]
        } else if let colon = host.firstIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        if host.isEmpty || host == "[]" {
            return "the URL has no host, \(example)"
        }
        if let port {
            guard port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), (1...65535).contains(number)
            else {
                return "the port must be a number from 1 to 65535, found '\(port)'"
            }
        }
        return nil
    }
}
