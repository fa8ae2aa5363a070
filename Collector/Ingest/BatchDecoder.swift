import FaultlineCore
import Foundation

/// Turns a request body into a valid ``Batch``: decompresses gzip with a cap, decodes the JSON, and checks
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
            batch = try JSONDecoder().decode(Batch.self, from: Data(json))
        } catch let error as DecodingError {
            throw BatchRejection(.malformed, Self.describe(error))
        } catch {
            throw BatchRejection(.malformed, "the body is not a batch: \(error)")
        }
        try validator.validate(batch, receivedAt: receivedAt)
        return batch
    }

    /// A decoding error as `field.path: what is wrong`.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(kind(of: type)), found null"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(kind(of: type))"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let detail = (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
            return "the body is not valid JSON: \(detail)"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "the body is not a batch: \(error)"
        }
    }

    /// `groups[3].source.unit` for a coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "the batch" : text
    }

    private static func kind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is WireTimestamp.Type: return "an ISO 8601 UTC time as a string"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            return "an object"
        }
    }
}
