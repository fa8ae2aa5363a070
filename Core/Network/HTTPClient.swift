import CCurl

/// A blocking HTTP/HTTPS client over one libcurl easy handle, which keeps the connection alive between requests.
///
/// Each call blocks its thread until the response is in or a timeout passes, so call it from a thread of its
/// own, never from Swift's cooperative pool. One client serves one request at a time; it is not `Sendable`:
/// keep it in the one task that sends (the shipper), and create another for another task.
/// Redirects are not followed: a 3xx comes back as a response.
///
/// ```swift
/// let client = try HTTPClient(configuration: .init(totalTimeout: .seconds(30)))
/// let response = try client.post(
///     "https://collector.example.com/api/v1/batches", body: Gzip.compress(json),
///     headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json", "Content-Encoding": "gzip"])
/// if response.status == 429, let delay = response.retryAfter { ... }
/// ```
public final class HTTPClient {
    /// The settings every request uses.
    public let configuration: Configuration
    private let handle: UnsafeMutableRawPointer
    /// libcurl writes a failure's detail here (`CURLOPT_ERRORBUFFER`); it must live as long as the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// Creates a client; no connection is made until the first request.
    public init(configuration: Configuration = Configuration()) throws(HTTPClientError) {
        try CurlLibrary.initialize()
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(
                .setupFailed, url: nil, message: "curl_easy_init failed; the process may be out of memory")
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

    /// Sends `body` with `POST` to `url` and returns the response, whatever its status.
    ///
    /// `headers` are sent as given; `Content-Type` defaults to `application/octet-stream`, and
    /// `Expect: 100-continue` is never sent (it costs a round trip). Throws ``HTTPClientError`` when no response
    /// arrives (connection refused, timeout, TLS failure...), when a header contains a line break, or when the
    /// response body is larger than ``Configuration/maximumResponseBodySize``.
    public func post(
        _ url: String, body: [UInt8], headers: HTTPHeaders = [:]
    ) throws(HTTPClientError) -> HTTPResponse {
        let headerList = try makeHeaderList(headers, url: url)
        defer { curl_slist_free_all(headerList) }
        let receiver = ResponseReceiver(maximumBodySize: configuration.maximumResponseBodySize)

        // Reset drops the previous request's options but keeps the live connection for reuse.
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        try setOptions(url: url, headerList: headerList)
        let receiverPointer = Unmanaged.passUnretained(receiver).toOpaque()
        try setOption(faultline_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, receiverPointer), url: url)
        try setOption(faultline_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, receiverPointer), url: url)
        try setOption(
            faultline_curl_setopt_write_function(handle) { data, size, count, user in
                guard let user else { return 0 }
                let receiver = Unmanaged<ResponseReceiver>.fromOpaque(user).takeUnretainedValue()
                return receiver.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
            }, url: url)
        try setOption(
            faultline_curl_setopt_header_function(handle) { data, size, count, user in
                guard let user else { return 0 }
                let receiver = Unmanaged<ResponseReceiver>.fromOpaque(user).takeUnretainedValue()
                return receiver.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
            }, url: url)

        let code = withExtendedLifetime(receiver) {
            body.withUnsafeBytes { bytes in
                // libcurl reads the body in place (POSTFIELDS is not copied), so perform runs inside this closure.
                // An empty array may have no address; a POST with no POSTFIELDS would read stdin instead.
                let pointer = UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? Self.emptyBody)
                let sizeCode = faultline_curl_setopt_offset(
                    handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                guard sizeCode == CURLE_OK else { return sizeCode }
                let bodyCode = faultline_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, pointer)
                guard bodyCode == CURLE_OK else { return bodyCode }
                return curl_easy_perform(handle)
            }
        }

        guard code == CURLE_OK else {
            if receiver.exceededLimit || code == CURLE_FILESIZE_EXCEEDED {
                throw HTTPClientError(
                    .responseTooLarge, url: url,
                    message: "the response body is larger than the limit of \(configuration.maximumResponseBodySize) "
                        + "bytes; raise maximumResponseBodySize if such responses are expected")
            }
            throw HTTPClientError(.transportFailed, url: url, code: code, detail: String(cString: errorBuffer))
        }
        var status = 0
        try setOption(faultline_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), url: url)
        return HTTPResponse(status: status, headers: receiver.headers, body: receiver.body)
    }

    private func setOptions(url: String, headerList: UnsafeMutablePointer<curl_slist>?) throws(HTTPClientError) {
        let tls = configuration.tls
        let options: [(CURLoption, OptionValue)] = [
            (CURLOPT_ERRORBUFFER, .pointer(UnsafeMutableRawPointer(errorBuffer))),
            (CURLOPT_URL, .string(url)),
            (CURLOPT_PROTOCOLS_STR, .string("http,https")),
            // Signals are process-wide; a multi-threaded program must not let libcurl use them for timeouts.
            (CURLOPT_NOSIGNAL, .long(1)),
            (CURLOPT_POST, .long(1)),
            (CURLOPT_HTTPHEADER, .pointer(UnsafeMutableRawPointer(headerList))),
            (CURLOPT_USERAGENT, .string(configuration.userAgent)),
            (CURLOPT_CONNECTTIMEOUT_MS, .long(Self.milliseconds(configuration.connectTimeout))),
            (CURLOPT_TIMEOUT_MS, .long(Self.milliseconds(configuration.totalTimeout))),
            (CURLOPT_TCP_KEEPALIVE, .long(1)),
            (CURLOPT_MAXFILESIZE_LARGE, .offset(curl_off_t(configuration.maximumResponseBodySize))),
            (CURLOPT_SSL_VERIFYPEER, .long(tls.insecureSkipVerify ? 0 : 1)),
            (CURLOPT_SSL_VERIFYHOST, .long(tls.insecureSkipVerify ? 0 : 2)),
        ]
        let tlsFiles: [(CURLoption, String?)] = [
            (CURLOPT_CAINFO, tls.caFile),
            (CURLOPT_SSLCERT, tls.clientCertificateFile),
            (CURLOPT_SSLKEY, tls.clientKeyFile),
        ]
        for (option, value) in options + tlsFiles.compactMap({ option, path in path.map { (option, .string($0)) } }) {
            let code =
                switch value {
                case .long(let number): faultline_curl_setopt_long(handle, option, number)
                // libcurl copies string options, so the temporary C string may go once the call returns.
                case .string(let text): faultline_curl_setopt_string(handle, option, text)
                case .pointer(let pointer): faultline_curl_setopt_pointer(handle, option, pointer)
                case .offset(let number): faultline_curl_setopt_offset(handle, option, number)
                }
            try setOption(code, url: url, option: option)
        }
    }

    private func setOption(_ code: CURLcode, url: String, option: CURLoption? = nil) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            let detail = option.map { "libcurl rejected option \($0.rawValue)" } ?? "libcurl call failed"
            throw HTTPClientError(.setupFailed, url: url, code: code, detail: detail)
        }
    }

    /// Builds libcurl's header list, refusing names and values that would split into extra header lines.
    private func makeHeaderList(
        _ headers: HTTPHeaders, url: String
    ) throws(HTTPClientError) -> UnsafeMutablePointer<curl_slist>? {
        var lines: [String] = []
        for field in headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(Self.isTokenByte) else {
                throw HTTPClientError(
                    .invalidRequest, url: url, message: "header name '\(field.name)' is not a valid HTTP token")
            }
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw HTTPClientError(
                    .invalidRequest, url: url,
                    message: "the value of header '\(field.name)' contains a line break or NUL character")
            }
            lines.append("\(field.name): \(field.value)")
        }
        if headers["Content-Type"] == nil { lines.append("Content-Type: application/octet-stream") }
        // "Name:" with no value removes a header libcurl would add on its own.
        if headers["Expect"] == nil { lines.append("Expect:") }

        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let extended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw HTTPClientError(.setupFailed, url: url, message: "could not allocate the header list")
            }
            list = extended
        }
        return list
    }

    private enum OptionValue {
        case long(Int)
        case string(String)
        case pointer(UnsafeMutableRawPointer?)
        case offset(curl_off_t)
    }

    /// A valid address of no bytes, for posting an empty body.
    private static var emptyBody: UnsafeRawPointer { UnsafeRawPointer(("" as StaticString).utf8Start) }

    /// libcurl treats 0 as "no timeout", so a timeout is at least one millisecond.
    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = seconds.multipliedReportingOverflow(by: 1000)
        guard !total.overflow else { return Int.max }
        return max(1, Int(total.partialValue) + Int(attoseconds / 1_000_000_000_000_000))
    }

    /// RFC 9110 `tchar`: the bytes allowed in a header name.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

@available(*, unavailable, message: "A libcurl handle serves one thread at a time; create one client per task.")
extension HTTPClient: Sendable {}

/// Collects one transfer's headers and body from libcurl's callbacks, which run on the thread calling perform.
private final class ResponseReceiver {
    /// The body size beyond which the transfer is aborted.
    let maximumBodySize: Int
    /// The headers of the latest response received so far.
    private(set) var headers = HTTPHeaders()
    /// The body received so far.
    private(set) var body: [UInt8] = []
    /// True once the body passed `maximumBodySize`; libcurl then reports a write error.
    private(set) var exceededLimit = false

    /// Creates an empty receiver for one transfer.
    init(maximumBodySize: Int) {
        self.maximumBodySize = maximumBodySize
    }

    /// Appends body bytes; returning less than given makes libcurl abort the transfer.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard body.count + bytes.count <= maximumBodySize else {
            exceededLimit = true
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    /// Takes one raw header line, status line and blank line included.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Int {
        var end = bytes.count
        while end > 0 && (bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
        let line = String(decoding: bytes[..<end], as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line starts a new response (after 100 Continue); only the final one's headers count.
            headers = HTTPHeaders()
        } else if line.first == " " || line.first == "\t" {
            headers.extendLastValue(with: HTTPHeaders.trimmed(line))
        } else if let colon = line.firstIndex(of: ":") {
            headers.add(name: String(line[..<colon]), value: HTTPHeaders.trimmed(line[line.index(after: colon)...]))
        }
        return bytes.count
    }
}
