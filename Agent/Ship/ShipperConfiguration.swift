import FaultlineCore

/// Where and how the ``Shipper`` sends batches; built once from the agent's configuration and passed to `init`.
///
/// Transient failures are retried for as long as it takes (the spool is the buffer); only batches the collector
/// rejects for good are dead-lettered, so there is no maximum number of attempts.
public struct ShipperConfiguration: Sendable {
    /// The collectors' base URLs, such as `https://collector.example.com:8443`, tried in order when one fails.
    /// The shipper appends `/api/v1/batches`; a base URL may carry a path prefix (`https://proxy/faultline`).
    public var collectorURLs: [String]
    /// The agent's bearer token, as read from the token file (surrounding whitespace is ignored).
    public var token: String
    /// Certificate verification and client certificates for `https://` collectors.
    public var tls: HTTPClient.TLS
    /// How long establishing a connection (TCP and TLS) to one collector may take.
    public var connectTimeout: Duration
    /// How long one request, connection included, may take. A request that times out is retried: the collector
    /// may have stored the batch, and the batch id makes sending it again harmless.
    public var totalTimeout: Duration
    /// The waits between failed attempts. After every collector refused the agent itself (a 401 or 403, for
    /// instance), the shipper waits the longest of them, ``Backoff/cap``.
    public var backoff: Backoff
    /// The longest the shipping loop sleeps before looking for due batches again. The agent wakes it when it
    /// commits a batch and when it stops, so this only bounds how late a batch written by anything else is seen.
    public var idlePollInterval: Duration

    /// Creates a configuration; the defaults suit a collector on a local network or across the internet.
    public init(
        collectorURLs: [String],
        token: String,
        tls: HTTPClient.TLS = HTTPClient.TLS(),
        connectTimeout: Duration = .seconds(10),
        totalTimeout: Duration = .seconds(60),
        backoff: Backoff = Backoff(),
        idlePollInterval: Duration = .seconds(30)
    ) {
        self.collectorURLs = collectorURLs
        self.token = token
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.backoff = backoff
        self.idlePollInterval = idlePollInterval
    }

    /// The path the collector receives batches on, appended to every base URL.
    public static let batchesPath = "/api/v1/batches"

    /// The URLs batches are posted to: each base URL without trailing slashes, followed by ``batchesPath``.
    public var endpointURLs: [String] {
        collectorURLs.map { base in
            var trimmed = Substring(base)
            while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
            return trimmed + Self.batchesPath
        }
    }

    /// The token as sent: without the whitespace around it (a token file usually ends with a newline).
    var trimmedToken: String {
        guard let first = token.firstIndex(where: { !$0.isWhitespace }),
            let last = token.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(token[first...last])
    }

    /// Throws ``ShipperError`` naming the first setting that cannot work: no collector URL, a URL that is not
    /// `http://` or `https://` or carries a query, an empty token or one with characters a header cannot carry,
    /// or timeouts and backoff durations that are not positive.
    public func validate() throws(ShipperError) {
        guard !collectorURLs.isEmpty else {
            throw ShipperError(.invalidConfiguration, "no collector URL is configured; give at least one")
        }
        for url in collectorURLs {
            let lowercased = url.lowercased()
            guard lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://") else {
                throw ShipperError(
                    .invalidConfiguration, "collector URL '\(url)' must start with http:// or https://")
            }
            guard !url.contains("?"), !url.contains("#"), !url.contains(where: \.isWhitespace) else {
                throw ShipperError(
                    .invalidConfiguration,
                    "collector URL '\(url)' must be a base URL such as https://collector:8443, "
                        + "without spaces, query or fragment")
            }
        }
        guard !trimmedToken.isEmpty else {
            throw ShipperError(.invalidConfiguration, "the agent token is empty; check the token file")
        }
        guard trimmedToken.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw ShipperError(
                .invalidConfiguration,
                "the agent token contains spaces, control or non-ASCII characters; check the token file")
        }
        let durations: [(String, Duration)] = [
            ("connect timeout", connectTimeout), ("total timeout", totalTimeout), ("backoff base", backoff.base),
            ("backoff cap", backoff.cap), ("idle poll interval", idlePollInterval),
        ]
        for (name, duration) in durations where duration <= .zero {
            throw ShipperError(.invalidConfiguration, "the \(name) must be positive, not \(duration)")
        }
        guard backoff.cap >= backoff.base else {
            throw ShipperError(
                .invalidConfiguration,
                "the backoff cap (\(backoff.cap)) must not be smaller than the backoff base (\(backoff.base))")
        }
    }
}
