import CZlib
import FaultlineCore
import Foundation
import NIOCore

/// A batch's gzip request body, compressed once, into which each request puts its own `batch_id` for about the
/// cost of a copy: the load generator must not spend the cores it shares with the collector on compression.
///
/// The body is one valid gzip member (RFC 1952) holding `{"batch_id":"ID",` followed by the rest of the batch's
/// JSON. The deflate stream (RFC 1951) is a stored (uncompressed), non-final block with that prefix, then the
/// rest, compressed once at zlib's default level as a stream of its own; a deflate stream may mix block types,
/// and the rest never refers back into the prefix. The trailer's CRC-32 combines the prefix's with the rest's.
struct GzipBodyTemplate {
    private let compressedRest: [UInt8]
    private let restCRC: UInt
    private let restLength: Int

    /// Compresses `batch` (whose `batchID` is ignored) once.
    init(_ batch: Batch) throws {
        let placeholder = "@@BATCH-ID@@"
        var batch = batch
        batch.batchID = placeholder
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var json = String(decoding: try encoder.encode(batch), as: UTF8.self)
        let field = "\"batch_id\":\"\(placeholder)\","
        guard json.hasPrefix("{"), let range = json.range(of: field) else {
            fatalError("the batch's JSON does not look as expected: \(json.prefix(80))")
        }
        json.removeSubrange(range)
        let rest = Array(json.utf8.dropFirst())
        restLength = rest.count
        restCRC = rest.withUnsafeBufferPointer { UInt(crc32(0, $0.baseAddress, uInt($0.count))) }
        compressedRest = Self.rawDeflate(rest)
    }

    /// The whole body for a request with batch id `batchID`.
    func body(batchID: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        let prefix = Array("{\"batch_id\":\"\(batchID)\",".utf8)
        precondition(prefix.count < 65_536, "a stored block holds at most 64 KiB")
        var buffer = allocator.buffer(capacity: 10 + 5 + prefix.count + compressedRest.count + 8)
        // Gzip header: magic, deflate, no flags, no time, no extra flags, OS unknown.
        buffer.writeBytes([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
        // Stored block, not the last: header bits 0 (BFINAL) and 00 (BTYPE), padded to a byte; LEN; NLEN.
        let length = UInt16(prefix.count)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(length, endianness: .little)
        buffer.writeInteger(~length, endianness: .little)
        buffer.writeBytes(prefix)
        buffer.writeBytes(compressedRest)
        let prefixCRC = prefix.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        let crc = crc32_combine(prefixCRC, uLong(restCRC), off_t(restLength))
        buffer.writeInteger(UInt32(truncatingIfNeeded: crc), endianness: .little)
        buffer.writeInteger(UInt32(truncatingIfNeeded: prefix.count + restLength), endianness: .little)
        return buffer
    }

    /// A raw deflate stream (no zlib or gzip wrapper) of `input`, ending with a final block.
    private static func rawDeflate(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        let started = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        precondition(started == Z_OK, "zlib could not start a deflate stream (code \(started))")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var input = input
        let produced = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "zlib did not finish the stream in one call (code \(status))")
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }
}
