import CCurl

/// A blocking SMTP client over libcurl: one call, one SMTP conversation that delivers one message.
///
/// Like ``HTTPClient`` it blocks its thread until the server has answered or the timeout passes, so call it
/// from a thread of its own. `smtp://` URLs may upgrade with STARTTLS (``Configuration/startTLS``); `smtps://`
/// URLs are TLS from the start. libcurl escapes lines that start with a dot.
///
/// ```swift
/// let client = try SMTPClient(configuration: .init(url: "smtp://mail.example.com:587", startTLS: .required))
/// try client.send(from: "faultline@example.com", to: ["ops@example.com"], message: Array(text.utf8))
/// ```
public final class SMTPClient {
    /// Whether an `smtp://` connection upgrades to TLS.
    public enum StartTLS: Sendable {
        /// Never; for a relay on loopback.
        case none
        /// When the server offers it.
        case attempt
        /// Always; a server that does not offer it gets no message.
        case required
    }

    /// The server and how to talk to it.
    public struct Configuration: Sendable {
        /// `smtp://HOST:PORT` or `smtps://HOST:PORT`.
        public var url: String
        /// Whether to upgrade with STARTTLS.
        public var startTLS: StartTLS
        /// The user name for SMTP AUTH, if any.
        public var username: String?
        /// The password for SMTP AUTH, if any.
        public var password: String?
        /// How long the whole conversation may take.
        public var timeout: Duration
        /// A PEM file of the certificate authorities to trust instead of the system's, for a relay with a
        /// private CA or a self-signed certificate.
        public var caFile: String?

        /// Creates a configuration.
        public init(
            url: String, startTLS: StartTLS = .attempt, username: String? = nil, password: String? = nil,
            timeout: Duration = .seconds(60), caFile: String? = nil
        ) {
            self.url = url
            self.startTLS = startTLS
            self.username = username
            self.password = password
            self.timeout = timeout
            self.caFile = caFile
        }
    }

    /// The settings every delivery uses.
    public let configuration: Configuration
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// Creates a client; no connection is made until ``send(from:to:message:)``.
    public init(configuration: Configuration) throws(SMTPClientError) {
        do {
            try CurlLibrary.initialize()
        } catch {
            throw SMTPClientError.setupFailed("libcurl could not initialize: \(error)")
        }
        guard let handle = curl_easy_init() else {
            throw SMTPClientError.setupFailed("curl_easy_init failed; the process may be out of memory")
        }
        self.configuration = configuration
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Delivers `message`, a complete RFC 5322 message (headers, blank line, body; CRLF line ends), from
    /// `sender` to every address of `recipients`.
    ///
    /// Throws ``SMTPClientError`` when an address contains a line break or angle bracket, or when the server
    /// cannot be reached or refuses the message; the message then counts as not delivered.
    public func send(from sender: String, to recipients: [String], message: [UInt8]) throws(SMTPClientError) {
        for address in [sender] + recipients where !Self.isPlainAddress(address) {
            throw SMTPClientError.invalidAddress("'\(address)' is not a plain email address")
        }
        guard !recipients.isEmpty else { throw SMTPClientError.invalidAddress("a message needs a recipient") }
        var recipientList: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients {
            guard let extended = curl_slist_append(recipientList, "<\(recipient)>") else {
                curl_slist_free_all(recipientList)
                throw SMTPClientError.setupFailed("could not allocate the recipient list")
            }
            recipientList = extended
        }
        defer { curl_slist_free_all(recipientList) }

        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let reader = MessageReader(message)
        let useSSL: Int =
            switch configuration.startTLS {
            case .none: Int(CURLUSESSL_NONE.rawValue)
            case .attempt: Int(CURLUSESSL_TRY.rawValue)
            case .required: Int(CURLUSESSL_ALL.rawValue)
            }
        let timeout = max(1, Int(configuration.timeout.components.seconds) * 1000)
        var codes = [
            faultline_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)),
            faultline_curl_setopt_string(handle, CURLOPT_URL, configuration.url),
            faultline_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"),
            faultline_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            faultline_curl_setopt_long(handle, CURLOPT_USE_SSL, useSSL),
            faultline_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeout),
            faultline_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeout, 10_000)),
            faultline_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(sender)>"),
            faultline_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(recipientList)),
            faultline_curl_setopt_long(handle, CURLOPT_UPLOAD, 1),
            faultline_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count)),
            faultline_curl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(reader).toOpaque()),
            faultline_curl_setopt_read_function(handle) { buffer, size, count, user in
                guard let buffer, let user else { return 0 }
                let reader = Unmanaged<MessageReader>.fromOpaque(user).takeUnretainedValue()
                return reader.read(into: buffer, capacity: size * count)
            },
        ]
        if let username = configuration.username {
            codes.append(faultline_curl_setopt_string(handle, CURLOPT_USERNAME, username))
        }
        if let password = configuration.password {
            codes.append(faultline_curl_setopt_string(handle, CURLOPT_PASSWORD, password))
        }
        if let caFile = configuration.caFile {
            codes.append(faultline_curl_setopt_string(handle, CURLOPT_CAINFO, caFile))
        }
        if let failed = codes.first(where: { $0 != CURLE_OK }) {
            throw SMTPClientError.setupFailed(
                "libcurl rejected an option: \(String(cString: curl_easy_strerror(failed)))")
        }
        let code = withExtendedLifetime(reader) { curl_easy_perform(handle) }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw SMTPClientError.deliveryFailed(
                "delivery through \(configuration.url) failed: \(String(cString: curl_easy_strerror(code)))"
                    + (detail.isEmpty ? "" : " (\(detail))"))
        }
    }

    /// An address that can go between angle brackets in an SMTP command.
    private static func isPlainAddress(_ address: String) -> Bool {
        address.contains("@")
            && !address.utf8.contains { $0 < 0x21 || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }
    }
}

@available(*, unavailable, message: "A libcurl handle serves one thread at a time; create one client per task.")
extension SMTPClient: Sendable {}

/// Hands the message to libcurl's read callback, piece by piece.
private final class MessageReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

/// Why a message was not delivered: bad input, libcurl could not be set up, or the server could not be
/// reached or refused the message.
public struct SMTPClientError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case invalidAddress
        case setupFailed
        case deliveryFailed
    }

    private let code: Code
    /// What went wrong, naming the server or the address.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func invalidAddress(_ message: String) -> SMTPClientError { SMTPClientError(.invalidAddress, message) }
    static func setupFailed(_ message: String) -> SMTPClientError { SMTPClientError(.setupFailed, message) }
    static func deliveryFailed(_ message: String) -> SMTPClientError { SMTPClientError(.deliveryFailed, message) }

    /// Whether trying again later may succeed: the server was down or refused for now.
    public var isTransient: Bool { code == .deliveryFailed }

    /// The message.
    public var description: String { message }
}
