import Synchronization

/// Memory a ``Fingerprinter`` reuses from one message to the next, so that signing a line allocates nothing
/// but its template string: the token table, the template being built, and the seed of the last source.
///
/// It holds no result: a signature never depends on what was signed before. One caller at a time uses it; a
/// caller that finds it busy (the same fingerprinter used from two threads at once) works in fresh memory.
final class SigningWorkspace: Sendable {
    /// What one signing uses.
    struct Buffers {
        /// Room for ``LineTemplater/maximumTokens`` pieces.
        let pieces: UnsafeMutablePointer<LineTemplater.Piece>
        /// The tokens, masked and joined by spaces.
        var scratch: ScratchBytes
        /// The template when the last pass changed some pieces.
        var output: ScratchBytes
        /// The source whose seed is `seed`.
        var seedSource: String? = nil
        var seed: UInt64 = 0

        /// What most lines fit in; a buffer that grew past ``retainedCapacity`` for a huge line shrinks back.
        static let initialCapacity = 4096
        static let retainedCapacity = 1 << 16

        init() {
            pieces = .allocate(capacity: LineTemplater.maximumTokens)
            scratch = ScratchBytes(capacity: Self.initialCapacity)
            output = ScratchBytes(capacity: Self.initialCapacity)
        }

        /// The seed of ``Fingerprinter/fingerprint(template:source:)`` for `source`, computed once per source.
        mutating func seed(for source: String) -> UInt64 {
            if source != seedSource {
                seed = Fingerprinter.seed(source: source)
                seedSource = source
            }
            return seed
        }

        /// Gives memory that a huge message made grow back to the system.
        mutating func shrink() {
            if scratch.capacity > Self.retainedCapacity {
                scratch.deallocate()
                scratch = ScratchBytes(capacity: Self.initialCapacity)
            }
            if output.capacity > Self.retainedCapacity {
                output.deallocate()
                output = ScratchBytes(capacity: Self.initialCapacity)
            }
        }

        func deallocate() {
            pieces.deallocate()
            scratch.deallocate()
            output.deallocate()
        }
    }

    private let buffers: Mutex<Buffers>

    init() {
        buffers = Mutex(Buffers())
    }

    deinit {
        buffers.withLock { $0.deallocate() }
    }

    /// Runs `body` with the buffers, or with fresh ones while another caller holds them.
    func withBuffers<Result: Sendable>(_ body: (inout Buffers) -> Result) -> Result {
        if let result = buffers.withLockIfAvailable({ buffers in
            defer { buffers.shrink() }
            return body(&buffers)
        }) {
            return result
        }
        var fresh = Buffers()
        defer { fresh.deallocate() }
        return body(&fresh)
    }
}
