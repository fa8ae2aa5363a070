import FaultlineCore
import Hummingbird
import Logging
import NIOCore

/// `POST /api/v1/batches`: authenticates the agent's bearer token, reads the body within the size limit,
/// decodes and validates the batch, and stores it.
///
/// Answers: 200 `{"status": "stored" | "duplicate", ...}`; 400 naming the field at fault; 401 for a
/// missing, unknown or revoked token; 409 for a batch id stored by another client; 413 over
/// `server.max_batch_bytes`; 415 for an unsupported `Content-Encoding`; 503 with `Retry-After` when the
/// database fails, so that the agent tries again later.
struct BatchController: Sendable {
    let store: Store
    let queue: IngestQueue
    let decoder: BatchDecoder

    /// Adds the route to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/batches") { request, context in
            try await receive(request, context: context)
        }
    }

    func receive(_ request: Request, context: BasicRequestContext) async throws -> BatchReceipt {
        let receivedAt = WireTimestamp.now()
        let client = try await authenticate(request, logger: context.logger)
        var logger = context.logger
        logger[metadataKey: "faultline.client"] = "\(client.name)"

        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > decoder.maximumBytes {
            throw HTTPError(
                .contentTooLarge,
                message: "the batch is \(length) bytes, over the limit of \(decoder.maximumBytes); send smaller batches"
            )
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: decoder.maximumBytes)
        } catch is NIOTooManyBytesError {
            throw HTTPError(
                .contentTooLarge,
                message: "the batch is over the limit of \(decoder.maximumBytes) bytes; send smaller batches")
        }

        let batch: Batch
        do {
            batch = try decoder.decode(
                Array(body.readableBytesView), contentEncoding: request.headers[.contentEncoding],
                receivedAt: receivedAt)
        } catch {
            logger.warning("refused a batch", metadata: ["batch.refusal": "\(error.message)"])
            throw HTTPError(Self.status(of: error), message: error.message)
        }
        logger[metadataKey: "batch.id"] = "\(batch.batchID)"
        logger[metadataKey: "host.name"] = "\(batch.agent.host)"

        let outcome: IngestOutcome
        do {
            outcome = try await queue.ingest(batch, from: client, receivedAt: receivedAt)
        } catch let rejection as BatchRejection {
            logger.warning("refused a batch", metadata: ["batch.refusal": "\(rejection.message)"])
            throw HTTPError(Self.status(of: rejection), message: rejection.message)
        } catch {
            logger.error("could not store a batch", metadata: ["error": "\(String(reflecting: error))"])
            throw HTTPError(
                .serviceUnavailable, headers: [.retryAfter: "10"],
                message: "the collector could not store the batch; try again later")
        }
        switch outcome {
        case .stored(let ingested):
            logger.debug(
                "stored a batch",
                metadata: ["batch.groups": "\(ingested.groups.count)", "batch.merges": "\(ingested.merges.count)"])
            return BatchReceipt(status: "stored", batchID: batch.batchID, groups: ingested.groups.count)
        case .duplicate:
            logger.debug("the batch was stored before")
            return BatchReceipt(status: "duplicate", batchID: batch.batchID, groups: 0)
        }
    }

    private func authenticate(_ request: Request, logger: Logger) async throws -> AuthenticatedClient {
        let challenge: HTTPFields = [.wwwAuthenticate: "Bearer"]
        guard let token = BearerToken.parse(request.headers[.authorization]) else {
            throw HTTPError(
                .unauthorized, headers: challenge, message: "missing bearer token; send 'Authorization: Bearer <token>'"
            )
        }
        let check: TokenCheck
        do {
            check = try await store.checkToken(token)
        } catch {
            logger.error("could not check a token", metadata: ["error": "\(String(reflecting: error))"])
            throw HTTPError(
                .serviceUnavailable, headers: [.retryAfter: "10"], message: "the collector cannot check tokens now")
        }
        switch check {
        case .valid(let client):
            return client
        case .revoked(let clientName):
            logger.notice("a revoked token was used", metadata: ["faultline.client": "\(clientName)"])
            throw HTTPError(
                .unauthorized, headers: challenge, message: "the token was revoked; issue a new one for this client")
        case .unknown:
            throw HTTPError(.unauthorized, headers: challenge, message: "unknown token")
        }
    }

    private static func status(of rejection: BatchRejection) -> HTTPResponse.Status {
        switch rejection.reason {
        case .tooLarge: .contentTooLarge
        case .unsupportedEncoding: .unsupportedMediaType
        case .foreignBatch: .conflict
        default: .badRequest
        }
    }
}
