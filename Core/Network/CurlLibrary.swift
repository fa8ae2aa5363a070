import CCurl

/// The process-wide libcurl state, initialized once before the first handle is created.
enum CurlLibrary {
    /// `curl_global_init` is not safe to race with itself or with handle creation; a lazy static runs exactly once.
    private static let initialization = Int32(curl_global_init(Int(CURL_GLOBAL_ALL)).rawValue)

    /// Initializes libcurl if no one has yet; throws if libcurl could not initialize (its TLS backend, usually).
    static func initialize() throws(HTTPClientError) {
        guard initialization == Int32(CURLE_OK.rawValue) else {
            throw HTTPClientError(
                .setupFailed, url: nil, code: CURLcode(UInt32(initialization)), detail: "curl_global_init failed")
        }
    }
}
