/// A growable byte buffer for the fingerprinting hot path: plain pointer arithmetic, no copy-on-write checks.
///
/// It is a value over memory that its owner (a ``SigningWorkspace``) allocates and frees; whoever grows a copy
/// must hand the copy back, since growing frees the old memory.
struct ScratchBytes {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// The bytes in use; lowering it drops the bytes after it.
    var count = 0

    /// Allocates `capacity` bytes (at least one).
    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        self.base = .allocate(capacity: self.capacity)
    }

    /// Frees the memory; the buffer must not be used afterwards.
    func deallocate() {
        base.deallocate()
    }

    /// The bytes in use.
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always) subscript(index: Int) -> UInt8 { base[index] }

    @inline(__always) mutating func append(_ byte: UInt8) {
        if count == capacity { grow(toHold: 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always) mutating func append(_ source: UnsafePointer<UInt8>, count length: Int) {
        if length > capacity - count { grow(toHold: length) }
        let target = base + count
        // Most copies are a word or a placeholder: two loads and two stores cost less than a call to memcpy.
        if length >= 8, length <= 16 {
            let head = UnsafeRawPointer(source).loadUnaligned(as: UInt64.self)
            let tail = UnsafeRawPointer(source + length - 8).loadUnaligned(as: UInt64.self)
            UnsafeMutableRawPointer(target).storeBytes(of: head, as: UInt64.self)
            UnsafeMutableRawPointer(target + length - 8).storeBytes(of: tail, as: UInt64.self)
        } else if length >= 4, length < 8 {
            let head = UnsafeRawPointer(source).loadUnaligned(as: UInt32.self)
            let tail = UnsafeRawPointer(source + length - 4).loadUnaligned(as: UInt32.self)
            UnsafeMutableRawPointer(target).storeBytes(of: head, as: UInt32.self)
            UnsafeMutableRawPointer(target + length - 4).storeBytes(of: tail, as: UInt32.self)
        } else if length < 4 {
            var offset = 0
            while offset < length {
                target[offset] = source[offset]
                offset += 1
            }
        } else {
            target.update(from: source, count: length)
        }
        count += length
    }

    @inline(__always) mutating func append(_ text: StaticString) {
        append(text.utf8Start, count: text.utf8CodeUnitCount)
    }

    /// Whether `base[start..<start + length]` equals `other[0..<length]`.
    @inline(__always) func equals(_ start: Int, _ other: UnsafePointer<UInt8>, count length: Int) -> Bool {
        var offset = 0
        while offset < length {
            if base[start + offset] != other[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Makes room for `extra` more bytes, at least doubling the capacity.
    @inline(never) private mutating func grow(toHold extra: Int) {
        let newCapacity = max(capacity * 2, count + extra)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
