import NIOCore
import NIOHTTP1

/// One simulated client: a keep-alive HTTP/1.1 connection that POSTs batches one after another, each as
/// soon as the previous answer arrived (a closed loop, like an agent draining its spool), until the end time.
///
/// All connections run on one event loop, so the handler's state needs no lock; the results are read on
/// that loop once every connection has closed.
final class LoadConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// What one connection measured.
    struct Results {
        /// Latencies in nanoseconds of the requests answered 200 within the measured window.
        var latencies: [UInt64] = []
        /// Answers other than 200 by status code, over the whole run (warm-up included).
        var failures: [UInt: Int] = [:]
        /// Requests sent, warm-up included.
        var sent = 0
        /// Bodies of failed answers, the first few, to say what went wrong.
        var failureBodies: [String] = []
    }

    private let templates: [GzipBodyTemplate]
    private let agentIDs: [String]
    private let headers: HTTPHeaders
    private let measureFrom: NIODeadline
    private let measureUntil: NIODeadline
    private let allocator = ByteBufferAllocator()
    private var sequence = 0
    private var sentAt = NIODeadline.now()
    private var status: UInt = 0
    private var responseBody = ""
    /// What the connection measured; read once it has closed.
    private(set) var results = Results()
    /// Completed when the connection is done.
    let done: EventLoopPromise<Void>

    /// A client sending `templates` in turn (the i-th with the agent id `agentIDs[i]`), with `token`, to
    /// `host`; answers completed between `measureFrom` and `measureUntil` are measured.
    init(
        templates: [GzipBodyTemplate], agentIDs: [String], token: String, host: String, measureFrom: NIODeadline,
        measureUntil: NIODeadline, done: EventLoopPromise<Void>
    ) {
        self.templates = templates
        self.agentIDs = agentIDs
        self.headers = [
            "Host": host, "Authorization": "Bearer \(token)", "Content-Type": "application/json",
            "Content-Encoding": "gzip", "User-Agent": "faultline-collector-bench",
        ]
        self.measureFrom = measureFrom
        self.measureUntil = measureUntil
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status.code
            responseBody = ""
        case .body(let buffer):
            if status != 200 { responseBody += String(buffer: buffer) }
        case .end:
            let now = NIODeadline.now()
            if status == 200 {
                if now >= measureFrom && now <= measureUntil {
                    results.latencies.append(now.uptimeNanoseconds - sentAt.uptimeNanoseconds)
                }
            } else {
                results.failures[status, default: 0] += 1
                if results.failureBodies.count < 3 { results.failureBodies.append("\(status): \(responseBody)") }
            }
            if now < measureUntil {
                send(context: context)
            } else {
                context.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        results.failures[0, default: 0] += 1
        if results.failureBodies.count < 3 { results.failureBodies.append("connection error: \(error)") }
        context.close(promise: nil)
    }

    private func send(context: ChannelHandlerContext) {
        let variant = sequence % templates.count
        let body = templates[variant].body(batchID: "\(agentIDs[variant]):\(sequence)", allocator: allocator)
        sequence += 1
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/api/v1/batches", headers: headers)
        head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        results.sent += 1
        sentAt = NIODeadline.now()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
