// faultline-signature-bench: how fast FaultlineCore signs log lines, on one thread.
//
// Usage: faultline-signature-bench FILE...
//
// Every FILE holds one message per line (empty lines are skipped). All lines are loaded into memory, signed once to
// warm up, then signed round after round through the `UnsafeBufferPointer` API for about two seconds (at least
// three rounds). Prints one JSON line:
//
//     {"lines_per_second": 1234567, "bytes_per_second": 123456789, "lines": 22000, "rounds": 40,
//      "checksum": "9f2c4e1a7b3d5f60"}
//
// `lines` and bytes are per round; the checksum folds every fingerprint so the optimiser cannot drop the work.
// No Foundation: the agent does not link it either, and the numbers should be the agent's.

import FaultlineCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The messages to sign: one contiguous byte buffer and the range of each line in it.
struct Corpus {
    var bytes: [UInt8] = []
    var lines: [Range<Int>] = []
    /// Bytes in all lines, newlines excluded.
    var messageBytes = 0

    /// Appends the non-empty lines of `data`; a trailing `\r` stays part of its line.
    mutating func append(contentsOf data: [UInt8]) {
        let base = bytes.count
        bytes.append(contentsOf: data)
        var start = base
        for index in base..<bytes.count where bytes[index] == UInt8(ascii: "\n") {
            addLine(start..<index)
            start = index + 1
        }
        addLine(start..<bytes.count)
    }

    private mutating func addLine(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        lines.append(range)
        messageBytes += range.count
    }
}

/// Writes `message` to standard error and exits with status 1.
func fail(_ message: String) -> Never {
    var text = "faultline-signature-bench: \(message)\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(1)
}

/// Reads a whole file, or fails naming the file and the system's reason.
func readFile(_ path: String) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { fail("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count == 0 { return bytes }
        if count < 0 {
            if errno == EINTR { continue }
            fail("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        bytes.append(contentsOf: chunk[0..<count])
    }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double { seconds(on: CLOCK_MONOTONIC) }

/// CPU seconds this thread has run: the single-core figure, which other load on a shared machine barely moves.
func threadCPUSeconds() -> Double { seconds(on: CLOCK_THREAD_CPUTIME_ID) }

func seconds(on clock: clockid_t) -> Double {
    var now = timespec()
    clock_gettime(clock, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Signs every line of `corpus` once and returns a checksum of the fingerprints, in order.
func signAll(_ corpus: Corpus, with fingerprinter: Fingerprinter) -> UInt64 {
    var checksum: UInt64 = 0
    corpus.bytes.withUnsafeBufferPointer { buffer in
        for line in corpus.lines {
            let signature = fingerprinter.sign(UnsafeBufferPointer(rebasing: buffer[line]), source: "benchmark")
            checksum = (checksum &* 0x100_0000_01b3) ^ signature.fingerprint.rawValue
        }
    }
    return checksum
}

let paths = CommandLine.arguments.dropFirst()
if paths.isEmpty || paths.contains(where: { $0 == "-h" || $0 == "--help" }) {
    fail("usage: faultline-signature-bench FILE... (one message per line)")
}
var corpus = Corpus()
for path in paths {
    corpus.append(contentsOf: readFile(path))
}
if corpus.lines.isEmpty { fail("no lines in \(paths.joined(separator: " "))") }

let fingerprinter = Fingerprinter()
let minimumSeconds = 2.0
let minimumRounds = 3
var checksum = signAll(corpus, with: fingerprinter)  // Warm-up: caches, page faults, lazy initialisation.
var rounds = 0
let start = monotonicSeconds()
let startCPU = threadCPUSeconds()
var elapsed = 0.0
repeat {
    checksum = (checksum &* 31) &+ signAll(corpus, with: fingerprinter)
    rounds += 1
    elapsed = monotonicSeconds() - start
} while rounds < minimumRounds || elapsed < minimumSeconds
let cpu = threadCPUSeconds() - startCPU

let linesPerSecond = Double(corpus.lines.count * rounds) / elapsed
let bytesPerSecond = Double(corpus.messageBytes * rounds) / elapsed
let linesPerCPUSecond = Double(corpus.lines.count * rounds) / cpu
print(
    "{\"lines_per_second\": \(Int(linesPerSecond.rounded())), \"bytes_per_second\": \(Int(bytesPerSecond.rounded())), "
        + "\"lines_per_cpu_second\": \(Int(linesPerCPUSecond.rounded())), "
        + "\"lines\": \(corpus.lines.count), \"rounds\": \(rounds), "
        + "\"checksum\": \"\(Fingerprint(rawValue: checksum))\"}"
)
