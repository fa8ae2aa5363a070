import Testing

@testable import FaultlineCore

/// XXH64 against digests of the reference implementation (Python's `xxhash` package), across the code paths:
/// empty input, the byte tail, the 4- and 8-byte tails, and the 32-byte stripes, with seeds.
@Suite struct XXHash64Tests {
    @Test(arguments: [
        ([UInt8](), UInt64(0), "ef46db3751d8e999"),
        (Array("a".utf8), 0, "d24ec4f1a98c6e5b"),
        (Array("abc".utf8), 0, "44bc2cf5ad770999"),
        ([UInt8](repeating: UInt8(ascii: "x"), count: 31), 5, "1572442d3ba167ab"),
        ([UInt8](repeating: UInt8(ascii: "y"), count: 32), 7, "89ec7e3fc933cd5f"),
        ((0..<200).map { UInt8($0) }, 123_456_789, "341faec07fa3c160"),
    ])
    func matchesTheReference(input: [UInt8], seed: UInt64, digest: String) {
        let value = input.withUnsafeBufferPointer { XXHash64.hash($0, seed: seed) }
        #expect(Fingerprint(rawValue: value).description == digest)
    }
}
