import CZlib

/// Gzip (RFC 1952) compression of whole byte arrays, as used for `Content-Encoding: gzip` request bodies.
///
/// ```swift
/// let body = Gzip.compress(json)
/// let json = try Gzip.decompress(body, maximumSize: 16 << 20)
/// ```
public enum Gzip {
    /// Compresses `input` into one gzip member; `level` is 0 (store) to 9 (smallest), or -1 for zlib's default (6).
    public static func compress(_ input: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) -> [UInt8] {
        precondition(level == Z_DEFAULT_COMPRESSION || (0...9).contains(level), "gzip level \(level) is not -1...9")
        var stream = z_stream()
        // windowBits 15 + 16 asks zlib for a gzip header and trailer instead of a zlib wrapper.
        let started = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        precondition(started == Z_OK, "zlib could not start a deflate stream (code \(started))")
        defer { deflateEnd(&stream) }

        var output: [UInt8] = []
        output.reserveCapacity(Int(deflateBound(&stream, uLong(input.count))))
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        input.withUnsafeBufferPointer { source in
            var position = 0
            var status = Z_OK
            while status != Z_STREAM_END {
                position += refill(&stream, from: source, at: position)
                let flush = position == source.count ? Z_FINISH : Z_NO_FLUSH
                let produced = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    status = deflate(&stream, flush)
                    return target.count - Int(stream.avail_out)
                }
                precondition(status != Z_STREAM_ERROR, "zlib deflate stream state is inconsistent")
                output.append(contentsOf: chunk[..<produced])
            }
        }
        return output
    }

    /// Decompresses gzip data, refusing to produce more than `maximumSize` bytes.
    ///
    /// Concatenated gzip members are decompressed one after the other, as `gunzip` does. The cap defends against
    /// compression bombs (a few kilobytes that expand to gigabytes): decompression stops as soon as the output
    /// would pass it, with at most one 64 KiB chunk allocated beyond it.
    /// Throws ``GzipError`` for input that is not gzip, is damaged, ends early, or expands beyond the cap.
    public static func decompress(_ input: [UInt8], maximumSize: Int) throws(GzipError) -> [UInt8] {
        precondition(maximumSize >= 0, "maximumSize must not be negative")
        var stream = z_stream()
        let started = inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(started == Z_OK, "zlib could not start an inflate stream (code \(started))")
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        let failure: GzipError? = input.withUnsafeBufferPointer { source in
            var position = 0
            while true {
                position += refill(&stream, from: source, at: position)
                var status = Z_OK
                let produced = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return target.count - Int(stream.avail_out)
                }
                if output.count + produced > maximumSize {
                    return GzipError(.outputTooLarge, message: "it expands beyond the limit of \(maximumSize) bytes")
                }
                output.append(contentsOf: chunk[..<produced])
                let inputLeft = stream.avail_in > 0 || position < source.count
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    guard inputLeft else { return nil }
                    // More bytes after a member: another member, or garbage that the next inflate rejects.
                    inflateReset(&stream)
                case Z_BUF_ERROR where !inputLeft:
                    return GzipError(.truncatedInput, message: "it ends before the gzip trailer")
                case Z_DATA_ERROR, Z_NEED_DICT:
                    let reason = stream.msg.map { String(cString: $0) } ?? "invalid data"
                    return GzipError(.corruptInput, message: reason)
                default:
                    return GzipError(.corruptInput, message: "zlib inflate failed with code \(status)")
                }
            }
        }
        if let failure { throw failure }
        return output
    }

    private static let chunkSize = 64 * 1024

    /// Hands zlib the next slice of `source` once it has used up the last one; returns the bytes handed over.
    private static func refill(
        _ stream: inout z_stream, from source: UnsafeBufferPointer<UInt8>, at position: Int
    ) -> Int {
        guard stream.avail_in == 0, position < source.count, let base = source.baseAddress else { return 0 }
        // avail_in is 32 bits wide.
        let count = min(source.count - position, Int(UInt32.max))
        stream.next_in = UnsafeMutablePointer(mutating: base + position)
        stream.avail_in = uInt(count)
        return count
    }
}
