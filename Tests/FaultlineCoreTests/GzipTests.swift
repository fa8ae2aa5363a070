import FaultlineCore
import FaultlineTestSupport
import Foundation
import Testing

@Suite struct GzipTests {
    /// Deterministic bytes that compress somewhat, like log text.
    private static func sample(count: Int, seed: UInt64 = 42) -> [UInt8] {
        var state = seed
        let words = Array("connection refused timeout retry error host web-1 ".utf8)
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 60 < 12 ? words[Int(state >> 33) % words.count] : UInt8(truncatingIfNeeded: state >> 40)
        }
    }

    @Test(arguments: [0, 1, 100, 65_535, 65_536, 300_001])
    func roundTrips(count: Int) throws {
        let input = Self.sample(count: count)
        let compressed = Gzip.compress(input)
        #expect(Array(compressed.prefix(2)) == [0x1f, 0x8b])
        #expect(try Gzip.decompress(compressed, maximumSize: count) == input)
    }

    @Test func compressesEmptyInputToAValidMember() throws {
        let compressed = Gzip.compress([])
        #expect(compressed.count == 20)  // 10-byte header, empty deflate block, 8-byte trailer
        #expect(try Gzip.decompress(compressed, maximumSize: 0) == [])
    }

    @Test func roundTripsLargeInputAtEveryLevel() throws {
        let input = Array(repeating: Self.sample(count: 4096), count: 2560).flatMap { $0 }  // 10 MiB
        for level: Int32 in [-1, 0, 1, 9] {
            let compressed = Gzip.compress(input, level: level)
            if level != 0 { #expect(compressed.count < input.count / 10) }
            #expect(try Gzip.decompress(compressed, maximumSize: input.count) == input)
        }
    }

    @Test func interoperatesWithTheGzipCommand() throws {
        let input = Self.sample(count: 50_000)
        #expect(try runGzip(["-d", "-c"], input: Gzip.compress(input)) == input)
        #expect(try Gzip.decompress(runGzip(["-c"], input: input), maximumSize: input.count) == input)
    }

    @Test func decompressesConcatenatedMembers() throws {
        let joined = Gzip.compress(Array("first ".utf8)) + Gzip.compress(Array("second".utf8))
        #expect(try Gzip.decompress(joined, maximumSize: 100) == Array("first second".utf8))
    }

    @Test func rejectsInputThatIsNotGzip() throws {
        let error = #expect(throws: GzipError.self) {
            try Gzip.decompress(Array(#"{"schema": 1}"#.utf8), maximumSize: 1000)
        }
        #expect(error?.kind == .corruptInput)
        #expect(error?.description.contains("incorrect header check") == true)
        #expect(error?.description.contains("Content-Encoding: gzip") == true)
    }

    @Test func rejectsDamagedInput() throws {
        var compressed = Gzip.compress(Self.sample(count: 10_000))
        compressed[compressed.count / 2] ^= 0xff
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(compressed, maximumSize: 20_000) }
        #expect(error?.kind == .corruptInput)
    }

    @Test func rejectsTrailingGarbage() throws {
        let compressed = Gzip.compress(Array("payload".utf8)) + Array("junk".utf8)
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(compressed, maximumSize: 100) }
        #expect(error?.kind == .corruptInput)
    }

    @Test(arguments: [0, 1, 10, 100, 4])
    func rejectsTruncatedInput(missingFromEnd: Int) throws {
        let compressed = Gzip.compress(Self.sample(count: 1000))
        let cut = missingFromEnd == 0 ? [] : Array(compressed.dropLast(missingFromEnd))
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(cut, maximumSize: 2000) }
        #expect(error?.kind == .truncatedInput)
        #expect(error?.description.contains("incomplete") == true)
    }

    @Test func capStopsACompressionBomb() throws {
        let bomb = Gzip.compress(Array(repeating: 0, count: 64 << 20), level: 9)
        #expect(bomb.count < 100_000)
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(bomb, maximumSize: 1 << 20) }
        #expect(error?.kind == .outputTooLarge)
        #expect(error?.description.contains("1048576 bytes") == true)
        #expect(error?.description.contains("compression bomb") == true)
    }

    @Test func capIsInclusive() throws {
        let input = Self.sample(count: 70_000)
        let compressed = Gzip.compress(input)
        #expect(try Gzip.decompress(compressed, maximumSize: input.count) == input)
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(compressed, maximumSize: input.count - 1) }
        #expect(error?.kind == .outputTooLarge)
    }

    private func runGzip(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let directory = try ScratchDirectory(prefix: "faultline-gzip")
        let inputFile = directory.file("input")
        try Data(input).write(to: URL(fileURLWithPath: inputFile))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = arguments + [inputFile]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return Array(data)
    }
}
