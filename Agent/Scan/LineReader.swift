#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file descriptor line by line with `read(2)` into one reusable buffer, without Foundation.
///
/// Lines end at `\n` (a trailing `\r` is dropped); the last line may lack one. A line longer than
/// `maximumLineLength` is cut there and the rest of it skipped, so one huge line never stalls the reader
/// or grows its memory; the handler is told it was truncated.
struct LineReader {
    /// Default cap on one line, in bytes.
    static let defaultMaximumLineLength = 1 << 20

    private let descriptor: Int32
    private let maximumLineLength: Int
    private var buffer: [UInt8]

    init(descriptor: Int32, maximumLineLength: Int = defaultMaximumLineLength) {
        self.descriptor = descriptor
        self.maximumLineLength = maximumLineLength
        self.buffer = []
        buffer.reserveCapacity(64 * 1024)
    }

    /// Calls `body` with each line and whether it was truncated, until end of file; throws on a read error.
    mutating func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, _ truncated: Bool) throws -> Void) throws {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var skipping = false
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ScanError.readFailed(errno: errno)
            }
            if count == 0 { break }
            var start = 0
            for index in 0..<count where chunk[index] == UInt8(ascii: "\n") {
                if !skipping {
                    buffer.append(contentsOf: chunk[start..<index])
                    try emit(body, truncated: false)
                }
                skipping = false
                buffer.removeAll(keepingCapacity: true)
                start = index + 1
            }
            if !skipping, start < count {
                buffer.append(contentsOf: chunk[start..<count])
                if buffer.count > maximumLineLength {
                    buffer.removeSubrange(maximumLineLength...)
                    try emit(body, truncated: true)
                    buffer.removeAll(keepingCapacity: true)
                    skipping = true
                }
            }
        }
        if !skipping, !buffer.isEmpty { try emit(body, truncated: false) }
    }

    private mutating func emit(
        _ body: (UnsafeBufferPointer<UInt8>, Bool) throws -> Void,
        truncated: Bool
    ) throws {
        if !truncated, buffer.last == UInt8(ascii: "\r") { buffer.removeLast() }
        try buffer.withUnsafeBufferPointer { try body($0, truncated) }
    }
}
