import Foundation
import Testing

@testable import FaultlineAgent

/// The shipping thread sleeps on a ``WakeUpSignal``: a signal must never be lost, whether it comes before
/// or during the wait, and a wait without one must end at its timeout.
@Suite struct WakeUpSignalTests {
    @Test func aSignalSentBeforeTheWaitEndsItAtOnce() {
        let signal = WakeUpSignal()
        signal.signal()
        let clock = ContinuousClock()
        let elapsed = clock.measure { signal.wait(for: .seconds(60)) }
        #expect(elapsed < .seconds(30), "the pending signal was lost: waited \(elapsed)")
        // The signal was consumed: the next wait runs to its timeout.
        let second = clock.measure { signal.wait(for: .milliseconds(50)) }
        #expect(second >= .milliseconds(50))
    }

    @Test func aSignalFromAnotherThreadWakesTheWaiter() {
        let signal = WakeUpSignal()
        let thread = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            signal.signal()
        }
        thread.start()
        let elapsed = ContinuousClock().measure { signal.wait(for: .seconds(60)) }
        #expect(elapsed < .seconds(30), "the signal did not wake the waiter: waited \(elapsed)")
    }
}
