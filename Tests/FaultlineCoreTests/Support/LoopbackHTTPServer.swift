import Foundation

/// A real HTTP(S) server on 127.0.0.1, run by Python's `http.server` in a child process, for client tests.
///
/// Every `POST` is answered according to its query string:
/// - `status=N` answers with status N (200 by default);
/// - `retry_after=V` adds `Retry-After: V`; `retry_after=date+S` sends the HTTP date S seconds from now;
/// - `delay=S` waits S seconds before answering;
/// - `size=N` answers with N bytes of `x` instead of the echo, `chunked=1` without `Content-Length`.
///
/// Otherwise the body is JSON describing the request as the server saw it (``EchoedRequest``), with a gzip body
/// already decompressed. The server exits when its standard input closes, so it never outlives the test process.
final class LoopbackHTTPServer {
    /// TLS files for an `https` server.
    struct TLSFiles {
        var certificate: String
        var key: String
        /// When set, the server requires a client certificate signed by this CA.
        var clientCA: String?
    }

    /// The port the server listens on.
    let port: Int
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    let baseURL: String
    private let process: Process
    private let input: Pipe

    /// Starts the server and waits until it listens.
    init(tls: TLSFiles? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let tlsArguments = tls.map { [$0.certificate, $0.key] + ($0.clientCA.map { [$0] } ?? []) } ?? []
        process.arguments = ["-c", Self.script] + tlsArguments
        input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()

        var announced = Data()
        while !announced.contains(UInt8(ascii: "\n")) {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else {
                let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw ServerFailure(message: "test HTTP server exited before listening: \(stderr)")
            }
            announced.append(data)
        }
        let line = String(decoding: announced, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(line) else { throw ServerFailure(message: "test HTTP server printed '\(line)'") }
        self.port = port
        baseURL = (tls == nil ? "http" : "https") + "://127.0.0.1:\(port)"
    }

    deinit {
        stop()
    }

    /// The URL of `pathAndQuery` (which starts with `/`) on this server.
    func url(_ pathAndQuery: String) -> String { baseURL + pathAndQuery }

    /// Stops the server; afterwards its port refuses connections.
    func stop() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The server (or a tool preparing it) failed to start.
    struct ServerFailure: Error, CustomStringConvertible {
        /// What went wrong, with the tool's own output.
        var message: String
        var description: String { message }
    }

    private static let script = #"""
        import email.utils, gzip, json, os, ssl, sys, threading, time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_POST(self):
                query = parse_qs(urlsplit(self.path).query)
                option = lambda name: query.get(name, [None])[0]
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                gzipped = self.headers.get("Content-Encoding") == "gzip"
                body = gzip.decompress(raw) if gzipped else raw
                time.sleep(float(option("delay") or 0))
                if option("size") is not None:
                    payload = b"x" * int(option("size"))
                else:
                    payload = json.dumps({
                        "method": self.command,
                        "path": self.path,
                        "headers": [[name, value] for name, value in self.headers.items()],
                        "body_hex": body.hex(),
                        "raw_length": len(raw),
                        "client_port": self.client_address[1],
                    }).encode()
                self.send_response(int(option("status") or 200))
                retry = option("retry_after")
                if retry is not None and retry.startswith("date+"):
                    retry = email.utils.formatdate(time.time() + int(retry[5:]), usegmt=True)
                if retry is not None:
                    self.send_header("Retry-After", retry)
                self.send_header("Content-Type", "application/json")
                if option("chunked"):
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(payload), 1000):
                        piece = payload[start:start + 1000]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if len(sys.argv) > 2:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[1], sys.argv[2])
            if len(sys.argv) > 3:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(sys.argv[3])
            server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        server.serve_forever()
        """#
}

/// What ``LoopbackHTTPServer`` saw of one request.
struct EchoedRequest: Decodable {
    /// The request method.
    var method: String
    /// The request target: path and query.
    var path: String
    /// The header fields as `[name, value]` pairs, in order.
    var headers: [[String]]
    /// The body after gzip decoding, in hex.
    var bodyHex: String
    /// The length of the body as sent, before gzip decoding.
    var rawLength: Int
    /// The client's port number: the same for requests sent over one kept-alive connection.
    var clientPort: Int

    /// The body after the server undid any gzip encoding.
    var body: [UInt8] {
        var bytes: [UInt8] = []
        var digits = bodyHex.utf8.makeIterator()
        while let high = digits.next(), let low = digits.next() {
            bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
        }
        return bytes
    }

    /// The first value of header `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0[0].lowercased() == name.lowercased() }?[1]
    }

    /// Decodes the echo from a response body.
    static func decode(_ body: [UInt8]) throws -> EchoedRequest {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(EchoedRequest.self, from: Data(body))
    }
}
