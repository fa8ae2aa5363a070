import CCurl

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A complete HTTP response: status, headers and body.
///
/// Any status is a response, including 4xx and 5xx: deciding what to do with it is the caller's business.
public struct HTTPResponse: Sendable {
    /// The status code, such as 200 or 429.
    public var status: Int
    /// The header fields of the final response (those of interim `100 Continue` responses are dropped).
    public var headers: HTTPHeaders
    /// The body, at most ``HTTPClient/Configuration/maximumResponseBodySize`` bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// How long the server asks the client to wait before retrying, from the `Retry-After` header.
    ///
    /// Reads both forms of the header: delay-seconds (`120`) and an HTTP date, counted from the current time and
    /// zero if it has passed. `nil` when the header is absent or unreadable. Clamp the result before sleeping:
    /// a server may ask for any delay.
    public var retryAfter: Duration? {
        guard let value = headers["Retry-After"].map({ HTTPHeaders.trimmed($0) }), !value.isEmpty else { return nil }
        if value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return Int64(value).map { .seconds($0) } ?? .seconds(Int64.max)
        }
        let date = curl_getdate(value, nil)
        guard date >= 0 else { return nil }
        return .seconds(max(0, Int64(date) - Int64(time(nil))))
    }

    /// The body as UTF-8 text, invalid sequences replaced; for error messages and logs.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
