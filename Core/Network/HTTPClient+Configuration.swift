extension HTTPClient {
    /// How an ``HTTPClient`` connects and what it accepts; built once and passed to `init`.
    public struct Configuration: Sendable {
        /// How long establishing a connection (TCP and TLS) may take.
        public var connectTimeout: Duration
        /// How long a whole request may take, connection included, before it is abandoned.
        public var totalTimeout: Duration
        /// Responses with a longer body fail with ``HTTPClientError/Kind/responseTooLarge``.
        public var maximumResponseBodySize: Int
        /// The `User-Agent` header sent with every request.
        public var userAgent: String
        /// Certificate verification and client certificates for `https://` URLs.
        public var tls: TLS

        /// Creates a configuration; the defaults suit posting batches to a collector.
        public init(
            connectTimeout: Duration = .seconds(10),
            totalTimeout: Duration = .seconds(60),
            maximumResponseBodySize: Int = 1 << 20,
            userAgent: String = "faultline/\(FaultlineVersion.current)",
            tls: TLS = TLS()
        ) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maximumResponseBodySize = maximumResponseBodySize
            self.userAgent = userAgent
            self.tls = tls
        }
    }

    /// TLS settings for `https://` URLs; by default the server is verified against the system's CA store.
    public struct TLS: Sendable {
        /// A PEM file of CA certificates to trust instead of the system's store (a private CA, for example).
        public var caFile: String?
        /// Skips verifying the server's certificate and host name. Only for tests: anyone on the path can then
        /// read and change the traffic, bearer tokens included.
        public var insecureSkipVerify: Bool
        /// A PEM client certificate to present, for servers that require mutual TLS.
        public var clientCertificateFile: String?
        /// The PEM private key of ``clientCertificateFile``, if the certificate file does not contain it.
        public var clientKeyFile: String?

        /// Creates TLS settings.
        public init(
            caFile: String? = nil,
            insecureSkipVerify: Bool = false,
            clientCertificateFile: String? = nil,
            clientKeyFile: String? = nil
        ) {
            self.caFile = caFile
            self.insecureSkipVerify = insecureSkipVerify
            self.clientCertificateFile = clientCertificateFile
            self.clientKeyFile = clientKeyFile
        }
    }
}
