import CSystemd
import Glibc

/// Tells systemd how a `Type=notify` service is doing, through `sd_notify(3)`.
///
/// systemd passes the notification socket in `NOTIFY_SOCKET`; when that variable is absent (the program was
/// started by hand, or by a unit of another type) every method does nothing and returns `false`. The variable
/// is left in place so that later notifications still work, which also means child processes inherit it.
///
/// The usual life of a service:
///
/// ```swift
/// let notifier = SystemdNotifier()
/// try notifier.ready(status: "reading journal")
/// if let interval = notifier.watchdogPingInterval {
///     // every `interval`: try notifier.watchdogPing()
/// }
/// // on SIGHUP:   try notifier.reloading(); reload; try notifier.ready()
/// // on SIGTERM:  try notifier.stopping(status: "flushing spool")
/// ```
public struct SystemdNotifier: Sendable {
    /// Creates a notifier; it reads `NOTIFY_SOCKET` and the watchdog variables each time it is used.
    public init() {}

    /// Whether a supervisor asked for notifications, that is whether `NOTIFY_SOCKET` is set.
    public var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// The watchdog timeout systemd enforces (`WatchdogSec=`), or `nil` when the watchdog is off for this process.
    ///
    /// systemd sets `WATCHDOG_USEC` and `WATCHDOG_PID`; a timeout meant for another process (a parent that
    /// forked this one) is ignored, as `sd_watchdog_enabled(3)` does.
    public var watchdogTimeout: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(clamping: microseconds))
    }

    /// How often to call ``watchdogPing()``: half of ``watchdogTimeout``, as systemd recommends, or `nil` when the
    /// watchdog is off.
    public var watchdogPingInterval: Duration? { watchdogTimeout.map { $0 / 2 } }

    /// Tells systemd that start-up (or a reload) is complete: `READY=1`, with an optional `STATUS=` line.
    ///
    /// - Returns: `true` when the message was sent, `false` when `NOTIFY_SOCKET` is not set.
    /// - Throws: ``SystemdNotifyError`` when the socket is set but the message could not be sent.
    @discardableResult
    public func ready(status: String? = nil) throws -> Bool {
        try notify(["READY=1"] + Self.statusAssignment(status))
    }

    /// Sets the one-line status that `systemctl status` shows (`STATUS=`); newlines are replaced by spaces.
    ///
    /// - Returns: `true` when the message was sent, `false` when `NOTIFY_SOCKET` is not set.
    /// - Throws: ``SystemdNotifyError`` when the socket is set but the message could not be sent.
    @discardableResult
    public func status(_ text: String) throws -> Bool {
        try notify(Self.statusAssignment(text))
    }

    /// Tells the watchdog the service is alive (`WATCHDOG=1`); send it every ``watchdogPingInterval``.
    ///
    /// - Returns: `true` when the message was sent, `false` when `NOTIFY_SOCKET` is not set.
    /// - Throws: ``SystemdNotifyError`` when the socket is set but the message could not be sent.
    @discardableResult
    public func watchdogPing() throws -> Bool {
        try notify(["WATCHDOG=1"])
    }

    /// Tells systemd the service is reloading its configuration; call ``ready(status:)`` when done.
    ///
    /// Sends `RELOADING=1` with `MONOTONIC_USEC=`, the current `CLOCK_MONOTONIC` time, which systemd 253 and
    /// later require for `Type=notify-reload` and earlier versions ignore.
    ///
    /// - Returns: `true` when the message was sent, `false` when `NOTIFY_SOCKET` is not set.
    /// - Throws: ``SystemdNotifyError`` when the socket is set but the message could not be sent.
    @discardableResult
    public func reloading(status: String? = nil) throws -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        return try notify(["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"] + Self.statusAssignment(status))
    }

    /// Tells systemd the service has begun to shut down (`STOPPING=1`), so that it waits rather than restarts it.
    ///
    /// - Returns: `true` when the message was sent, `false` when `NOTIFY_SOCKET` is not set.
    /// - Throws: ``SystemdNotifyError`` when the socket is set but the message could not be sent.
    @discardableResult
    public func stopping(status: String? = nil) throws -> Bool {
        try notify(["STOPPING=1"] + Self.statusAssignment(status))
    }

    /// Sends raw `VARIABLE=value` assignments, one per line of the datagram, for what the methods above don't
    /// cover (`EXTEND_TIMEOUT_USEC=`, `ERRNO=`...). An assignment must not contain a newline.
    ///
    /// - Returns: `true` when the message was sent, `false` when `NOTIFY_SOCKET` is not set.
    /// - Throws: ``SystemdNotifyError`` when the socket is set but the message could not be sent.
    @discardableResult
    public func notify(_ assignments: [String]) throws -> Bool {
        let state = assignments.joined(separator: "\n")
        let result = sd_notify(0, state)
        if result < 0 {
            throw SystemdNotifyError(errorNumber: -result, state: state)
        }
        return result > 0
    }

    private static func statusAssignment(_ status: String?) -> [String] {
        guard let status else { return [] }
        let oneLine = String(status.map { $0.isNewline ? " " : $0 })
        return ["STATUS=\(oneLine)"]
    }
}
