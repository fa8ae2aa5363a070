import FaultlineCore
import FaultlineTestSupport
import Foundation
import Testing

/// Receives what `SystemdNotifier` sends on a real Unix datagram socket named by `NOTIFY_SOCKET`.
///
/// Serialized because the environment is the process's: each test sets and clears the variables it uses.
@Suite("SystemdNotifier", .serialized)
struct SystemdNotifierTests {
    private func withNotifySocket(_ body: (SystemdDatagramListener) throws -> Void) throws {
        let listener = try SystemdDatagramListener.inNewDirectory()
        setenv("NOTIFY_SOCKET", listener.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        try body(listener)
    }

    @Test func sendsReadyWithAStatusLine() throws {
        try withNotifySocket { listener throws in
            let notifier = SystemdNotifier()
            #expect(notifier.isEnabled)
            #expect(try notifier.ready(status: "reading journal"))
            #expect(try listener.receiveText() == "READY=1\nSTATUS=reading journal")
        }
    }

    @Test func sendsStatusWatchdogAndStopping() throws {
        try withNotifySocket { listener throws in
            let notifier = SystemdNotifier()
            try notifier.status("spool 12 batches\nshipping")
            #expect(try listener.receiveText() == "STATUS=spool 12 batches shipping")
            try notifier.watchdogPing()
            #expect(try listener.receiveText() == "WATCHDOG=1")
            try notifier.stopping(status: "flushing")
            #expect(try listener.receiveText() == "STOPPING=1\nSTATUS=flushing")
            try notifier.notify(["EXTEND_TIMEOUT_USEC=5000000"])
            #expect(try listener.receiveText() == "EXTEND_TIMEOUT_USEC=5000000")
        }
    }

    @Test func sendsReloadingWithTheMonotonicClock() throws {
        try withNotifySocket { listener throws in
            var before = timespec()
            clock_gettime(CLOCK_MONOTONIC, &before)
            try SystemdNotifier().reloading()
            let lines = try #require(try listener.receiveText()).split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first == "RELOADING=1")
            let stamp = try #require(lines.last.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) })
            #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
            let beforeMicroseconds = UInt64(before.tv_sec) * 1_000_000 + UInt64(before.tv_nsec) / 1_000
            #expect(stamp >= beforeMicroseconds && stamp < beforeMicroseconds + 10_000_000)
        }
    }

    @Test func doesNothingWithoutANotifySocket() throws {
        unsetenv("NOTIFY_SOCKET")
        let notifier = SystemdNotifier()
        #expect(!notifier.isEnabled)
        #expect(try notifier.ready() == false)
        #expect(try notifier.watchdogPing() == false)
    }

    @Test func failsWhenNothingListensOnTheSocket() throws {
        let path = FileManager.default.temporaryDirectory.path + "/faultline-no-listener-\(getpid())"
        setenv("NOTIFY_SOCKET", path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        let error = try #require(throws: SystemdNotifyError.self) {
            try SystemdNotifier().ready()
        }
        #expect(error.errorNumber == ENOENT)
        #expect(error.state == "READY=1")
        #expect(error.description.contains("sd_notify(READY=1) failed"))
    }

    @Test func pingsAtHalfTheWatchdogTimeout() {
        setenv("WATCHDOG_USEC", "3000000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        defer {
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
        }
        let notifier = SystemdNotifier()
        #expect(notifier.watchdogTimeout == .seconds(3))
        #expect(notifier.watchdogPingInterval == .milliseconds(1_500))

        // A timeout meant for another process (the parent that forked this one) is not ours.
        setenv("WATCHDOG_PID", String(getpid() + 1), 1)
        #expect(notifier.watchdogTimeout == nil)
        #expect(notifier.watchdogPingInterval == nil)
    }

    @Test func hasNoWatchdogWhenSystemdSetNone() {
        unsetenv("WATCHDOG_USEC")
        #expect(SystemdNotifier().watchdogPingInterval == nil)
    }
}
