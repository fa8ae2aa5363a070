/// How long to wait before sending again after a failure: exponential backoff with full jitter.
///
/// After `failures` failures in a row the wait is a uniformly random duration between zero and
/// `min(cap, base * 2^failures)` ("full jitter", from the AWS Architecture Blog article *Exponential Backoff
/// And Jitter*): the ceiling grows quickly while the collector stays unreachable, and the randomness keeps a
/// fleet of agents that lost the collector at the same moment from coming back at the same moment.
///
/// When the collector asks for a wait with `Retry-After` (on 429 and 503), the wait is that long plus the full
/// jitter delay on top: never earlier than asked, still spread across the fleet, and still growing if the
/// collector keeps refusing. `Retry-After` is trusted only up to ``retryAfterLimit`` (one hour by default), so
/// a misconfigured or hostile server cannot stop an agent for days.
///
/// ```swift
/// var random = SystemRandomNumberGenerator()
/// let wait = Backoff().delay(afterFailures: batch.attempts, retryAfter: response.retryAfter, using: &random)
/// ```
public struct Backoff: Sendable, Hashable {
    /// The ceiling after the first failure.
    public var base: Duration
    /// The largest ceiling, however many failures there were.
    public var cap: Duration
    /// The longest `Retry-After` honoured; longer requests are shortened to this.
    public var retryAfterLimit: Duration

    /// Creates a backoff policy; `base` should be positive and no larger than `cap`.
    public init(base: Duration = .seconds(1), cap: Duration = .seconds(300), retryAfterLimit: Duration = .seconds(3600))
    {
        self.base = base
        self.cap = cap
        self.retryAfterLimit = retryAfterLimit
    }

    /// The longest wait after `failures` failures in a row: `min(cap, base * 2^failures)`, without overflow.
    public func ceiling(afterFailures failures: Int) -> Duration {
        guard base > .zero else { return .zero }
        var ceiling = base
        var doublings = 0
        while doublings < failures && ceiling < cap {
            ceiling *= 2
            doublings += 1
        }
        return min(ceiling, cap)
    }

    /// A random wait after `failures` failures in a row, plus `retryAfter` (shortened to ``retryAfterLimit``)
    /// when the server asked for one.
    ///
    /// `random` supplies the jitter; a generator that always returns `UInt64.max` gives exactly the ceiling,
    /// one that returns 0 gives no jitter at all.
    public func delay(
        afterFailures failures: Int, retryAfter: Duration? = nil, using random: inout some RandomNumberGenerator
    ) -> Duration {
        // 53 random bits map onto 0...1 inclusive, so that both ends of the interval can be reached.
        let fraction = Double(random.next() >> 11) / Double((UInt64(1) << 53) - 1)
        let jitter = ceiling(afterFailures: failures) * fraction
        guard let retryAfter else { return jitter }
        return min(max(retryAfter, .zero), retryAfterLimit) + jitter
    }
}
