import Foundation

/// A real HTTP receiver for batches on 127.0.0.1: Python's `http.server` in a child process that accepts
/// `POST /api/v1/batches` the way the collector will, for the end-to-end tests of `faultline-agent run`.
///
/// It checks the bearer token (401 otherwise), gunzips and parses the body (400 when it cannot), and
/// de-duplicates by `batch_id` like the collector: a batch id seen before is answered 200 again but stored
/// once. Each accepted batch is appended as one JSON line to `accepted.jsonl`; every request, accepted or
/// not, is appended to `requests.jsonl` with its arrival and answer times, its status, and for a duplicate
/// whether its content differed from the stored batch (a reused id with other content would lose lines).
///
/// ``answerUnavailable(retryAfterSeconds:answerDelaySeconds:)`` makes it answer 503 with `Retry-After`
/// until ``answerNormally()``; ``stop()`` and ``start()`` take it down and bring it back on the same port,
/// with the batch ids it already stored (read back from `accepted.jsonl`), as a restarted collector would
/// have them in its database. The child exits when its standard input closes, so it never outlives the tests.
final class BatchReceiver {
    /// One accepted batch, decoded independently of the agent's own wire types.
    struct ReceivedBatch: Decodable {
        /// The agent that sent it.
        struct Agent: Decodable {
            var id: String
            var host: String
        }

        /// A group's source.
        struct Source: Decodable {
            var kind: String
            var unit: String?
            var identifier: String?
            var path: String?
            var app: String?
        }

        /// One raw occurrence.
        struct Sample: Decodable {
            var time: String
            var text: String
            var cursor: String?
            var position: String?
        }

        /// One fingerprint's occurrences in the batch's window.
        struct Group: Decodable {
            var fingerprint: String
            var template: String
            var severity: String
            var count: Int
            var source: Source
            var samples: [Sample]
        }

        /// The agent's counters for the window.
        struct Health: Decodable {
            var linesRead: Int
            var errorsSeen: Int
            var linesLost: Int
            var spoolBytes: Int

            enum CodingKeys: String, CodingKey {
                case linesRead = "lines_read"
                case errorsSeen = "errors_seen"
                case linesLost = "lines_lost"
                case spoolBytes = "spool_bytes"
            }
        }

        /// The window's bounds, as sent.
        struct Window: Decodable {
            var start: String
            var end: String
        }

        var schema: Int
        var batchID: String
        var agent: Agent
        var window: Window
        var groups: [Group]
        var health: Health

        enum CodingKeys: String, CodingKey {
            case schema, agent, window, groups, health
            case batchID = "batch_id"
        }

        /// The sequence number after the last `:` of the batch id.
        var sequence: Int? { batchID.split(separator: ":").last.flatMap { Int($0) } }

        /// The sum of the groups' counts.
        var errorCount: Int { groups.reduce(0) { $0 + $1.count } }
    }

    /// One line of `accepted.jsonl`.
    private struct AcceptedRecord: Decodable {
        var received: Double
        var batch: ReceivedBatch
    }

    /// One request as the receiver saw it.
    struct ReceivedRequest: Decodable {
        /// When the request arrived, in seconds since the epoch.
        var arrived: Double
        /// When the answer was sent.
        var answered: Double
        /// The request target.
        var path: String
        /// The status answered.
        var status: Int
        /// The batch id, when the body could be read.
        var batchID: String?
        /// True when the batch id had been accepted before.
        var duplicate: Bool?
        /// True when a duplicate's content differed from the batch stored under its id.
        var conflict: Bool?

        enum CodingKeys: String, CodingKey {
            case arrived, answered, path, status, duplicate, conflict
            case batchID = "batch_id"
        }
    }

    /// The receiver failed to start, or its records could not be read.
    struct ReceiverError: Error, CustomStringConvertible {
        var description: String
    }

    /// The bearer token the receiver accepts.
    let token: String
    /// The directory of `accepted.jsonl`, `requests.jsonl` and the control file.
    let directory: String
    /// The port it listens on (the same across restarts).
    private(set) var port = 0
    private var process: Process?
    private var input: Pipe?
    private let accepted: JSONLinesFile<AcceptedRecord>
    private let answered: JSONLinesFile<ReceivedRequest>

    /// `http://127.0.0.1:PORT`, the collector URL to configure.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Whether the receiver is listening.
    var isRunning: Bool { process?.isRunning ?? false }

    /// Starts a receiver on a free loopback port, recording into `directory` (created if missing).
    init(directory: String, token: String) throws {
        self.directory = directory
        self.token = token
        accepted = JSONLinesFile(path: directory + "/accepted.jsonl")
        answered = JSONLinesFile(path: directory + "/requests.jsonl")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
    }

    /// Starts the receiver: on a free port the first time, on the same port afterwards; waits until it listens.
    func start() throws {
        guard !isRunning else { return }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        child.arguments = ["-c", Self.script, String(port), directory, token]
        child.environment = ["PATH": "/usr/bin:/bin"]
        let input = Pipe()
        let output = Pipe()
        let errorPath = directory + "/receiver-stderr.txt"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer { try? errors.close() }
        child.standardInput = input
        child.standardOutput = output
        child.standardError = errors
        try child.run()
        var announced = Data()
        while !announced.contains(UInt8(ascii: "\n")) {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else {
                child.waitUntilExit()
                let text = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
                throw ReceiverError(description: "the batch receiver exited before listening on port \(port): \(text)")
            }
            announced.append(data)
        }
        let line = String(decoding: announced, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let listening = Int(line) else {
            throw ReceiverError(description: "the batch receiver printed '\(line)' instead of its port")
        }
        port = listening
        process = child
        self.input = input
    }

    /// Stops the receiver and waits for it to exit; afterwards its port refuses connections.
    func stop() {
        guard let process, process.isRunning else { return }
        try? input?.fileHandleForWriting.close()
        process.waitUntilExit()
        self.process = nil
        input = nil
    }

    /// From now on, answers every batch with 503 and `Retry-After: retryAfterSeconds`, each answer sent
    /// `answerDelaySeconds` after the request arrived (a slow, overloaded collector).
    func answerUnavailable(retryAfterSeconds: Int, answerDelaySeconds: Double = 0) throws {
        try writeControl(["unavailable": true, "retry_after": retryAfterSeconds, "delay": answerDelaySeconds])
    }

    /// From now on, accepts batches again.
    func answerNormally() throws {
        try writeControl([:])
    }

    /// Every batch accepted so far (each batch id once), in the order they arrived.
    func acceptedBatches() throws -> [ReceivedBatch] {
        try accepted.read().map(\.batch)
    }

    /// Every request answered so far, in the order they were answered.
    func requests() throws -> [ReceivedRequest] {
        try answered.read()
    }

    /// The sum of `count` over every group of every accepted batch.
    func errorCount() throws -> Int {
        try acceptedBatches().reduce(0) { $0 + $1.errorCount }
    }

    /// A short account for failure messages: batches, counts, and the statuses of the last requests.
    func summary() -> String {
        let batches = (try? acceptedBatches()) ?? []
        let requests = (try? requests()) ?? []
        let statuses = requests.suffix(8).map { "\($0.status)" }.joined(separator: " ")
        return "receiver on port \(port) \(isRunning ? "running" : "stopped"): \(batches.count) batches accepted, "
            + "\(batches.reduce(0) { $0 + $1.errorCount }) errors counted, \(requests.count) requests "
            + "(last statuses: \(statuses))"
    }

    // MARK: - Helpers

    private func writeControl(_ settings: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: settings)
        let path = directory + "/control.json"
        // Written aside and renamed, so that the receiver never reads half a file.
        try data.write(to: URL(fileURLWithPath: path + ".new"))
        guard rename(path + ".new", path) == 0 else {
            throw ReceiverError(description: "cannot rename the receiver's control file: errno \(errno)")
        }
    }

    /// The records of a JSON-lines file that only grows, decoded once each: a read decodes only the complete
    /// lines added since the last one (a last line still being written waits for the next read).
    private final class JSONLinesFile<Record: Decodable> {
        let path: String
        private var records: [Record] = []
        private var decodedBytes: UInt64 = 0

        init(path: String) {
            self.path = path
        }

        func read() throws -> [Record] {
            guard let handle = FileHandle(forReadingAtPath: path) else { return records }
            defer { try? handle.close() }
            try handle.seek(toOffset: decodedBytes)
            let data = try handle.readToEnd() ?? Data()
            guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return records }
            let decoder = JSONDecoder()
            for line in data[..<lastNewline].split(separator: UInt8(ascii: "\n")) {
                do {
                    records.append(try decoder.decode(Record.self, from: Data(line)))
                } catch {
                    throw ReceiverError(description: "\(path) holds a line that does not decode: \(error)")
                }
            }
            decodedBytes += UInt64(lastNewline - data.startIndex + 1)
            return records
        }
    }

    private static let script = #"""
        import gzip, json, os, sys, threading, time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        port, directory, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        accepted_path = os.path.join(directory, "accepted.jsonl")
        requests_path = os.path.join(directory, "requests.jsonl")
        control_path = os.path.join(directory, "control.json")
        lock = threading.Lock()

        # The batches stored so far, by id: a restarted collector still knows them.
        stored = {}
        if os.path.exists(accepted_path):
            with open(accepted_path) as accepted:
                for line in accepted:
                    if line.endswith("\n"):
                        batch = json.loads(line)["batch"]
                        stored[batch["batch_id"]] = batch

        def control():
            try:
                with open(control_path) as file:
                    return json.load(file)
            except (OSError, ValueError):
                return {}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_POST(self):
                arrived = time.time()
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                record = {"arrived": arrived, "path": self.path, "batch_id": None}
                status, headers, text = 200, {}, ""
                settings = control()
                try:
                    if self.path != "/api/v1/batches":
                        status, text = 404, "no such endpoint"
                    elif self.headers.get("Authorization") != "Bearer " + token:
                        status, text = 401, "unknown agent token"
                    elif settings.get("unavailable"):
                        time.sleep(settings.get("delay", 0))
                        status, text = 503, "collector overloaded"
                        headers = {"Retry-After": str(settings.get("retry_after", 1))}
                    else:
                        if self.headers.get("Content-Encoding") != "gzip":
                            raise ValueError("the body is not declared gzip")
                        batch = json.loads(gzip.decompress(raw))
                        batch_id = batch["batch_id"]
                        record["batch_id"] = batch_id
                        with lock:
                            if batch_id in stored:
                                record["duplicate"] = True
                                record["conflict"] = stored[batch_id] != batch
                            else:
                                stored[batch_id] = batch
                                with open(accepted_path, "a") as accepted:
                                    accepted.write(json.dumps({"received": arrived, "batch": batch}) + "\n")
                except Exception as error:
                    status, text = 400, "malformed batch: %s" % error
                payload = text.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
                record["status"] = status
                record["answered"] = time.time()
                with lock:
                    with open(requests_path, "a") as requests:
                        requests.write(json.dumps(record) + "\n")

        ThreadingHTTPServer.allow_reuse_address = True
        ThreadingHTTPServer.daemon_threads = True
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        print(server.server_address[1], flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        server.serve_forever()
        """#
}
