import Testing

@testable import FaultlineAgent

/// A random number generator that always returns the same value.
struct FixedRandom: RandomNumberGenerator {
    var value: UInt64

    /// Makes full jitter pick the ceiling.
    static let highest = FixedRandom(value: .max)
    /// Makes full jitter pick zero.
    static let lowest = FixedRandom(value: 0)

    mutating func next() -> UInt64 { value }
}

@Suite("Backoff")
struct BackoffTests {
    @Test func ceilingDoublesWithEachFailureUpToTheCap() {
        let backoff = Backoff(base: .seconds(1), cap: .seconds(300))
        let ceilings = (0...10).map { backoff.ceiling(afterFailures: $0) }
        #expect(ceilings == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map { Duration.seconds($0) })
        #expect(backoff.ceiling(afterFailures: 1_000_000) == .seconds(300))
        #expect(backoff.ceiling(afterFailures: .max) == .seconds(300))
        #expect(backoff.ceiling(afterFailures: -1) == .seconds(1))
    }

    @Test func fullJitterSpansZeroToTheCeiling() {
        let backoff = Backoff(base: .milliseconds(500), cap: .seconds(60))
        var highest = FixedRandom.highest
        var lowest = FixedRandom.lowest
        var middle = FixedRandom(value: 1 << 63)
        #expect(backoff.delay(afterFailures: 3, using: &highest) == .seconds(4))
        #expect(backoff.delay(afterFailures: 3, using: &lowest) == .zero)
        let half = backoff.delay(afterFailures: 3, using: &middle)
        #expect(half > .milliseconds(1999) && half < .milliseconds(2001))
        #expect(backoff.delay(afterFailures: 40, using: &highest) == .seconds(60))
    }

    @Test func delaysVaryAndStayWithinTheCeiling() {
        let backoff = Backoff()
        var random = SystemRandomNumberGenerator()
        let delays = (0..<200).map { _ in backoff.delay(afterFailures: 5, using: &random) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(32) })
        #expect(Set(delays).count > 100)
    }

    @Test func retryAfterIsAMinimumWithJitterOnTop() {
        let backoff = Backoff(base: .seconds(1), cap: .seconds(300))
        var lowest = FixedRandom.lowest
        var highest = FixedRandom.highest
        #expect(backoff.delay(afterFailures: 0, retryAfter: .seconds(2), using: &lowest) == .seconds(2))
        #expect(backoff.delay(afterFailures: 0, retryAfter: .seconds(2), using: &highest) == .seconds(3))
        #expect(backoff.delay(afterFailures: 2, retryAfter: .seconds(2), using: &highest) == .seconds(6))
        #expect(backoff.delay(afterFailures: 0, retryAfter: .zero, using: &lowest) == .zero)
    }

    @Test func retryAfterIsShortenedToTheLimit() {
        let backoff = Backoff(base: .seconds(1), cap: .seconds(300), retryAfterLimit: .seconds(3600))
        var lowest = FixedRandom.lowest
        #expect(backoff.delay(afterFailures: 0, retryAfter: .seconds(86_400 * 365), using: &lowest) == .seconds(3600))
        #expect(backoff.delay(afterFailures: 0, retryAfter: .seconds(Int64.max), using: &lowest) == .seconds(3600))
        #expect(backoff.delay(afterFailures: 0, retryAfter: .seconds(-5), using: &lowest) == .zero)
    }
}
