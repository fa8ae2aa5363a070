import CCurl

/// Why an HTTP request got no response: the request was invalid, or libcurl failed to connect, send or receive.
///
/// A response with an error status (4xx, 5xx) is not an error of this type: it is an ``HTTPResponse``.
/// The description names the URL, curl's message and its detail, and suggests what to check.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; new kinds may be added without breaking callers.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Code: Hashable, Sendable {
            case invalidRequest
            case setupFailed
            case transportFailed
            case responseTooLarge
        }

        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// The request cannot be sent as given (a header with a line break, for example); retrying will not help.
        public static let invalidRequest = Kind(.invalidRequest)
        /// libcurl could not be initialized or rejected an option (a TLS file it cannot use, for example).
        public static let setupFailed = Kind(.setupFailed)
        /// Resolving, connecting, the TLS handshake, sending or receiving failed, or the request timed out.
        public static let transportFailed = Kind(.transportFailed)
        /// The response body was larger than ``HTTPClient/Configuration/maximumResponseBodySize``.
        public static let responseTooLarge = Kind(.responseTooLarge)

        /// A short name for the kind, such as `transport failed`.
        public var description: String {
            switch code {
            case .invalidRequest: "invalid request"
            case .setupFailed: "setup failed"
            case .transportFailed: "transport failed"
            case .responseTooLarge: "response too large"
            }
        }
    }

    /// What went wrong.
    public let kind: Kind
    /// The URL of the request, if there was one.
    public let url: String?
    /// curl's message and detail, or the client's own explanation.
    public let message: String
    /// The libcurl `CURLcode`, if libcurl reported the failure.
    public let curlCode: Int32?

    /// Creates an error from the client's own explanation, or a message already built from libcurl's.
    init(_ kind: Kind, url: String?, message: String, curlCode: Int32? = nil) {
        self.kind = kind
        self.url = url
        self.message = message
        self.curlCode = curlCode
    }

    /// Builds an error from a failed libcurl call: `curl_easy_strerror`, plus the error buffer's detail if any.
    init(_ kind: Kind, url: String?, code: CURLcode, detail: String) {
        var message = String(cString: curl_easy_strerror(code))
        if !detail.isEmpty && detail != message { message += ": \(detail)" }
        self.init(kind, url: url, message: message, curlCode: Int32(code.rawValue))
    }

    /// True when the request ran out of time (connect or total timeout).
    public var isTimeout: Bool { curlCode == Int32(CURLE_OPERATION_TIMEDOUT.rawValue) }

    /// What failed, for which URL, curl's words and code, and what to check.
    public var description: String {
        var text = "HTTP request"
        if let url { text += " to \(url)" }
        text += " failed (\(kind)): \(message)"
        if let curlCode { text += " (curl code \(curlCode))" }
        if let advice { text += ". \(advice)" }
        return text
    }

    private var advice: String? {
        guard let curlCode else { return nil }
        switch UInt32(curlCode) {
        case CURLE_COULDNT_RESOLVE_HOST.rawValue:
            return "Check the host name in the URL and the DNS configuration"
        case CURLE_COULDNT_CONNECT.rawValue:
            return "Check that the server is running, listening on that port, and reachable through firewalls"
        case CURLE_OPERATION_TIMEDOUT.rawValue:
            return "The server did not answer in time; check that it is reachable, or raise the timeouts"
        case CURLE_PEER_FAILED_VERIFICATION.rawValue, CURLE_SSL_CONNECT_ERROR.rawValue:
            return "Check that the server's certificate matches the host name and is signed by the configured CA"
        case CURLE_SSL_CERTPROBLEM.rawValue, CURLE_SSL_CACERT_BADFILE.rawValue:
            return "Check that the certificate, key and CA files exist, are readable, and hold PEM data"
        case CURLE_UNSUPPORTED_PROTOCOL.rawValue, CURLE_URL_MALFORMAT.rawValue:
            return "Check the URL: it must start with http:// or https://"
        default:
            return nil
        }
    }
}
