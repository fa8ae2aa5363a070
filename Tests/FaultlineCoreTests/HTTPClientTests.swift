import FaultlineCore
import FaultlineTestSupport
import Foundation
import Testing

/// Each test talks to a real server process on loopback; serialized so that two cores are not swamped.
@Suite(.serialized) struct HTTPClientTests {
    @Test func postsHeadersAndGzipBody() throws {
        let server = try LoopbackHTTPServer()
        let client = try HTTPClient()
        let json =
            Array(#"{"schema":1,"batch_id":"agent:7","groups":[]}"#.utf8) + Array(repeating: 0x20, count: 100_000)
        let response = try client.post(
            server.url("/api/v1/batches"), body: Gzip.compress(json),
            headers: [
                "Authorization": "Bearer secret-token", "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            ])

        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let echo = try EchoedRequest.decode(response.body)
        #expect(echo.method == "POST")
        #expect(echo.path == "/api/v1/batches")
        #expect(echo.header("Authorization") == "Bearer secret-token")
        #expect(echo.header("Content-Type") == "application/json")
        #expect(echo.header("Content-Encoding") == "gzip")
        #expect(echo.header("User-Agent") == "faultline/\(FaultlineVersion.current)")
        #expect(echo.header("Expect") == nil)
        #expect(echo.rawLength < json.count / 10)
        #expect(echo.body == json)
    }

    @Test func postsEmptyBodyWithDefaultContentType() throws {
        let server = try LoopbackHTTPServer()
        let response = try HTTPClient().post(server.url("/empty"), body: [])
        let echo = try EchoedRequest.decode(response.body)
        #expect(echo.rawLength == 0)
        #expect(echo.header("Content-Length") == "0")
        #expect(echo.header("Content-Type") == "application/octet-stream")
    }

    @Test func reusesTheConnection() throws {
        let server = try LoopbackHTTPServer()
        let client = try HTTPClient()
        let first = try EchoedRequest.decode(client.post(server.url("/one"), body: [1]).body)
        let second = try EchoedRequest.decode(client.post(server.url("/two?status=503"), body: [2]).body)
        let third = try EchoedRequest.decode(client.post(server.url("/three"), body: [3]).body)
        #expect(first.clientPort == second.clientPort)
        #expect(second.clientPort == third.clientPort)
        #expect(third.body == [3])
    }

    @Test func returnsErrorStatusesAsResponses() throws {
        let server = try LoopbackHTTPServer()
        let client = try HTTPClient()
        let failed = try client.post(server.url("/batches?status=500"), body: [])
        #expect(failed.status == 500)
        #expect(try EchoedRequest.decode(failed.body).path == "/batches?status=500")
        #expect(failed.retryAfter == nil)
        #expect(try client.post(server.url("/?status=400"), body: []).status == 400)
    }

    @Test func readsRetryAfterSeconds() throws {
        let server = try LoopbackHTTPServer()
        let response = try HTTPClient().post(server.url("/?status=429&retry_after=7"), body: [])
        #expect(response.status == 429)
        #expect(response.headers["Retry-After"] == "7")
        #expect(response.retryAfter == .seconds(7))
    }

    @Test func readsRetryAfterDate() throws {
        let server = try LoopbackHTTPServer()
        let response = try HTTPClient().post(server.url("/?status=503&retry_after=date%2B30"), body: [])
        #expect(response.status == 503)
        let delay = try #require(response.retryAfter)
        #expect(delay >= .seconds(28) && delay <= .seconds(31))

        let past = HTTPResponse(status: 429, headers: ["retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"], body: [])
        #expect(past.retryAfter == .zero)
        let garbage = HTTPResponse(status: 429, headers: ["Retry-After": "soon"], body: [])
        #expect(garbage.retryAfter == nil)
    }

    @Test func connectionRefusedNamesTheURL() throws {
        let server = try LoopbackHTTPServer()
        let url = server.url("/api/v1/batches")
        server.stop()
        let error = #expect(throws: HTTPClientError.self) { try HTTPClient().post(url, body: [1]) }
        #expect(error?.kind == .transportFailed)
        #expect(error?.curlCode == 7)  // CURLE_COULDNT_CONNECT
        #expect(error?.url == url)
        let description = error?.description ?? ""
        #expect(description.contains(url))
        #expect(description.contains("Couldn't connect to server"))
    }

    @Test func totalTimeoutAbandonsASlowServer() throws {
        let server = try LoopbackHTTPServer()
        let client = try HTTPClient(configuration: .init(totalTimeout: .milliseconds(300)))
        let url = server.url("/?delay=3")
        let error = #expect(throws: HTTPClientError.self) { try client.post(url, body: []) }
        #expect(error?.isTimeout == true)
        #expect(error?.description.contains(url) == true)
        #expect(error?.description.contains("timed out") == true)
    }

    @Test(arguments: ["", "&chunked=1"])
    func capsTheResponseBody(transfer: String) throws {
        let server = try LoopbackHTTPServer()
        let client = try HTTPClient(configuration: .init(maximumResponseBodySize: 4096))
        #expect(try client.post(server.url("/?size=4096" + transfer), body: []).body.count == 4096)
        let url = server.url("/?size=50000" + transfer)
        let error = #expect(throws: HTTPClientError.self) { try client.post(url, body: []) }
        #expect(error?.kind == .responseTooLarge)
        #expect(error?.description.contains("4096 bytes") == true)
        #expect(error?.description.contains(url) == true)
        #expect(try client.post(server.url("/?size=10" + transfer), body: []).body.count == 10)
    }

    @Test func refusesHeadersThatWouldInjectLines() throws {
        let client = try HTTPClient()
        let value = #expect(throws: HTTPClientError.self) {
            try client.post("http://127.0.0.1:1/", body: [], headers: ["X-Token": "a\r\nX-Admin: 1"])
        }
        #expect(value?.kind == .invalidRequest)
        let name = #expect(throws: HTTPClientError.self) {
            try client.post("http://127.0.0.1:1/", body: [], headers: ["Bad Name": "1"])
        }
        #expect(name?.kind == .invalidRequest)
    }

    @Test func refusesOtherProtocols() throws {
        let error = #expect(throws: HTTPClientError.self) { try HTTPClient().post("file:///etc/passwd", body: []) }
        #expect(error?.kind == .transportFailed)
        #expect(error?.description.contains("file:///etc/passwd") == true)
    }

    // MARK: TLS

    @Test(.enabled(if: SelfSignedCertificate.isAvailable))
    func verifiesTheServerAgainstTheConfiguredCA() throws {
        let directory = try ScratchDirectory(prefix: "faultline-tls")
        let certificate = try SelfSignedCertificate(named: "collector", in: directory)
        let server = try LoopbackHTTPServer(tls: .init(certificate: certificate.certificate, key: certificate.key))
        let url = server.url("/api/v1/batches")

        let trusting = try HTTPClient(configuration: .init(tls: .init(caFile: certificate.certificate)))
        #expect(try trusting.post(url, body: [1, 2]).status == 200)

        let error = #expect(throws: HTTPClientError.self) { try HTTPClient().post(url, body: []) }
        #expect(error?.kind == .transportFailed)
        #expect(error?.description.contains(url) == true)
        #expect(error?.description.contains("certificate") == true)

        let insecure = try HTTPClient(configuration: .init(tls: .init(insecureSkipVerify: true)))
        #expect(try insecure.post(url, body: []).status == 200)

        let missingFile = directory.file("missing-ca.pem")
        let missing = try HTTPClient(configuration: .init(tls: .init(caFile: missingFile)))
        let missingError = #expect(throws: HTTPClientError.self) { try missing.post(url, body: []) }
        #expect(missingError?.description.contains(missingFile) == true)
    }

    @Test(.enabled(if: SelfSignedCertificate.isAvailable))
    func presentsAClientCertificate() throws {
        let directory = try ScratchDirectory(prefix: "faultline-mtls")
        let serverCertificate = try SelfSignedCertificate(named: "collector", in: directory)
        let clientCertificate = try SelfSignedCertificate(named: "agent", in: directory)
        let server = try LoopbackHTTPServer(
            tls: .init(
                certificate: serverCertificate.certificate, key: serverCertificate.key,
                clientCA: clientCertificate.certificate))
        let url = server.url("/")

        let anonymous = try HTTPClient(configuration: .init(tls: .init(caFile: serverCertificate.certificate)))
        #expect(throws: HTTPClientError.self) { try anonymous.post(url, body: []) }

        let tls = HTTPClient.TLS(
            caFile: serverCertificate.certificate, clientCertificateFile: clientCertificate.certificate,
            clientKeyFile: clientCertificate.key)
        #expect(try HTTPClient(configuration: .init(tls: tls)).post(url, body: []).status == 200)
    }
}
