import Glibc

/// The last few bytes of a stream, oldest first: what lies just before a file position.
///
/// Appending keeps only the last ``capacity`` bytes, so the window costs at most that much memory however
/// much passes through it.
struct TailWindow {
    /// The most bytes kept.
    let capacity: Int
    /// The bytes kept, oldest first.
    private(set) var bytes: [UInt8] = []

    /// An empty window that keeps at most `capacity` bytes.
    init(capacity: Int) {
        self.capacity = capacity
        bytes.reserveCapacity(capacity)
    }

    /// How many bytes are kept.
    var count: Int { bytes.count }

    /// Adds bytes at the end, forgetting the oldest beyond the capacity.
    mutating func append(_ piece: UnsafeBufferPointer<UInt8>) {
        if piece.count >= capacity {
            bytes.removeAll(keepingCapacity: true)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: piece[(piece.count - capacity)...]))
            return
        }
        let overflow = bytes.count + piece.count - capacity
        if overflow > 0 { bytes.removeFirst(overflow) }
        bytes.append(contentsOf: piece)
    }

    /// Adds bytes at the end, forgetting the oldest beyond the capacity.
    mutating func append(_ other: [UInt8]) {
        other.withUnsafeBufferPointer { append($0) }
    }

    /// Adds one byte at the end, forgetting the oldest beyond the capacity.
    mutating func append(_ byte: UInt8) {
        if bytes.count == capacity { bytes.removeFirst() }
        bytes.append(byte)
    }

    /// Forgets every byte (the stream starts again).
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Whether the window holds exactly `other`.
    func equals(_ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard other.count == bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { mine in
            guard let base = mine.baseAddress, let otherBase = other.baseAddress else { return true }
            return memcmp(base, otherBase, mine.count) == 0
        }
    }
}
