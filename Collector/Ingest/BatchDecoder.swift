import FaultlineCore
import Foundation

/// Turns a request body into a valid ``Batch``: decompresses gzip with a cap, reads the JSON (``BatchJSONReader``), and checks
/// what JSON cannot (``BatchValidator``). Every refusal names the field at fault.
public struct BatchDecoder: Sendable {
    /// The largest batch accepted, compressed or not.
    public var maximumBytes: Int
    /// The checks after decoding.
    public var validator: BatchValidator

    /// Creates a decoder.
    public init(maximumBytes: Int, validator: BatchValidator = .init()) {
        self.maximumBytes = maximumBytes
        self.validator = validator
    }

    /// Decodes `body`, sent with the `Content-Encoding` header `contentEncoding` (`nil` when absent).
    public func decode(
        _ body: [UInt8], contentEncoding: String?, receivedAt: WireTimestamp
    ) throws(BatchRejection) -> Batch {
        guard body.count <= maximumBytes else {
            throw BatchRejection(.tooLarge, "the batch is \(body.count) bytes, over the limit of \(maximumBytes)")
        }
        let json: [UInt8]
        switch contentEncoding?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "", "identity":
            json = body
        case "gzip", "x-gzip":
            do {
                json = try Gzip.decompress(body, maximumSize: maximumBytes)
            } catch  where error.kind == .outputTooLarge {
                throw BatchRejection(
                    .tooLarge, "the batch decompresses to more than the limit of \(maximumBytes) bytes")
            } catch {
                throw BatchRejection(.malformed, "the body is not valid gzip: \(error.message)")
            }
        case let other?:
            throw BatchRejection(
                .unsupportedEncoding, "Content-Encoding '\(other)' is not supported; send gzip or identity")
        }
        let batch: Batch
        do {
            batch = try BatchJSONReader.batch(from: json)
        } catch {
            throw BatchRejection(.malformed, error.message)
        }
        try validator.validate(batch, receivedAt: receivedAt)
        return batch
    }
}
