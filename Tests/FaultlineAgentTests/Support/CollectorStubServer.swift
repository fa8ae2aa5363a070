import FaultlineCore
import Foundation
import Glibc

/// A stand-in collector on 127.0.0.1: Python's `http.server` in a child process, answering batch posts
/// according to a plan and recording every batch request it receives.
///
/// The plan is a list of ``Reply`` values used one per request, in order; the last one repeats for every request
/// after it. ``setPlan(_:)`` replaces the plan of a running server. The server exits when its standard input
/// closes, so it never outlives the test process.
final class CollectorStubServer {
    /// How the server answers one request.
    struct Reply: Encodable {
        /// The status code.
        var status = 200
        /// Extra header fields, such as `Retry-After`.
        var headers: [String: String] = [:]
        /// The response body.
        var body = ""
        /// When true, the server reads the request and closes the connection without answering.
        var close = false
        /// Seconds to wait before answering.
        var delay = 0.0

        /// `200 OK`.
        static let ok = Reply()
        /// Closes the connection without a response.
        static let hangUp = Reply(close: true)

        /// A reply with `status`, headers and body.
        static func status(_ status: Int, headers: [String: String] = [:], body: String = "") -> Reply {
            Reply(status: status, headers: headers, body: body)
        }
    }

    /// One request as the server received it.
    struct ReceivedRequest: Decodable {
        /// The request target.
        var path: String
        /// The header fields as `[name, value]` pairs.
        var headers: [[String]]
        /// The body as sent (still gzip), in hex.
        var bodyHex: String

        /// The first value of header `name`, compared case-insensitively.
        func header(_ name: String) -> String? {
            headers.first { $0[0].lowercased() == name.lowercased() }?[1]
        }

        /// The body bytes as sent.
        var body: [UInt8] {
            var bytes: [UInt8] = []
            var digits = bodyHex.utf8.makeIterator()
            while let high = digits.next(), let low = digits.next() {
                bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
            }
            return bytes
        }
    }

    /// The port the server listens on.
    let port: Int
    /// `http://127.0.0.1:PORT`, the collector base URL to configure.
    let baseURL: String
    private let process: Process
    private let input: Pipe
    private let recordPath: String

    /// Starts the server on `port` (0 picks a free one) and waits until it listens.
    init(port: Int = 0, plan: [Reply] = [.ok]) throws {
        recordPath = NSTemporaryDirectory() + "collector-stub-\(UUID().uuidString).jsonl"
        guard FileManager.default.createFile(atPath: recordPath, contents: nil) else {
            throw StubFailure(message: "cannot create \(recordPath)")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let planJSON = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        process.arguments = ["-c", Self.script, String(port), recordPath, planJSON]
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
                throw StubFailure(message: "collector stub exited before listening: \(stderr)")
            }
            announced.append(data)
        }
        let line = String(decoding: announced, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let listening = Int(line) else { throw StubFailure(message: "collector stub printed '\(line)'") }
        self.port = listening
        baseURL = "http://127.0.0.1:\(listening)"
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: recordPath)
    }

    /// Stops the server; afterwards its port refuses connections.
    func stop() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// Replaces the plan: the next request gets the first reply.
    func setPlan(_ plan: [Reply]) throws {
        let response = try HTTPClient().post(baseURL + "/_plan", body: Array(try JSONEncoder().encode(plan)))
        guard response.status == 204 else { throw StubFailure(message: "setting the plan answered \(response.status)") }
    }

    /// Every batch request received so far, in order.
    func receivedRequests() throws -> [ReceivedRequest] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let text = try String(contentsOfFile: recordPath, encoding: .utf8)
        return try text.split(separator: "\n").map { try decoder.decode(ReceivedRequest.self, from: Data($0.utf8)) }
    }

    /// A loopback port that nothing listens on (it was free a moment ago): connections to it are refused.
    static func unusedPort() throws -> Int {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw StubFailure(message: "socket() failed") }
        defer { close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socketDescriptor, generic, length) == 0 && getsockname(socketDescriptor, generic, &length) == 0
            }
        }
        guard bound else { throw StubFailure(message: "could not bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The stub (or the port search) failed.
    struct StubFailure: Error, CustomStringConvertible {
        /// What went wrong.
        var message: String
        var description: String { message }
    }

    private static let script = #"""
        import json, os, sys, threading, time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        port, record_path, plan = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_POST(self):
                global plan
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/_plan":
                    with lock:
                        plan = json.loads(raw)
                    self.send_response(204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with lock:
                    reply = plan[0] if len(plan) == 1 else plan.pop(0)
                    with open(record_path, "a") as record:
                        record.write(json.dumps({
                            "path": self.path,
                            "headers": [[name, value] for name, value in self.headers.items()],
                            "body_hex": raw.hex(),
                        }) + "\n")
                if reply["close"]:
                    self.close_connection = True
                    return
                time.sleep(reply["delay"])
                payload = reply["body"].encode()
                self.send_response(reply["status"])
                for name, value in reply["headers"].items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        ThreadingHTTPServer.allow_reuse_address = True
        ThreadingHTTPServer.daemon_threads = True
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        print(server.server_address[1], flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        server.serve_forever()
        """#
}
