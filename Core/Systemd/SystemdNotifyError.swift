import Glibc

/// A notification to systemd could not be sent although `NOTIFY_SOCKET` is set.
///
/// Usually the supervisor has gone away or the socket path is wrong. A service should log it and carry on:
/// a missed `READY=1` makes systemd time the start out, a missed `WATCHDOG=1` can get the service killed, so
/// the log line is what explains that afterwards.
public struct SystemdNotifyError: Error, Sendable, CustomStringConvertible {
    /// The `errno` value `sd_notify` returned, such as `ECONNREFUSED`.
    public let errorNumber: Int32
    /// The message that could not be sent, such as `READY=1`.
    public let state: String

    init(errorNumber: Int32, state: String) {
        self.errorNumber = errorNumber
        self.state = state
    }

    /// What failed, the system's words for it, and what to check.
    public var description: String {
        let socket = getenv("NOTIFY_SOCKET").map { String(cString: $0) } ?? "(unset)"
        let reason = String(cString: strerror(errorNumber))
        let firstLine = state.split(separator: "\n").first.map(String.init) ?? state
        return "sd_notify(\(firstLine)) failed: \(reason) (errno \(errorNumber)); NOTIFY_SOCKET=\(socket). "
            + "Check that the service manager is still running and that the unit has Type=notify "
            + "(and NotifyAccess= allows this process)"
    }
}
