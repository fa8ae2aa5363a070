#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns SIGTERM, SIGINT and SIGHUP into bytes on a pipe, so the agent's single poll loop sees them as one
/// more readable descriptor (the self-pipe trick: the handler only calls `write(2)`, which is safe there).
///
/// One per process; create it before starting threads so they inherit the signal dispositions.
final class SignalPipe {
    /// What the loop should do.
    enum Request {
        case stop
        case reload
    }

    /// The read end, for `poll(2)`.
    let readDescriptor: Int32

    /// The write end the C handler uses; a C function pointer cannot capture context.
    nonisolated(unsafe) private static var writeDescriptor: Int32 = -1

    init() throws {
        var descriptors: [Int32] = [0, 0]
        guard pipe(&descriptors) == 0 else { throw RuntimeError.system("pipe", errno: errno) }
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = descriptors[0]
        Self.writeDescriptor = descriptors[1]
        // The signal mask survives exec: a parent that blocks these signals (as the worker threads of many
        // runtimes do) would otherwise leave SIGTERM and SIGHUP pending forever. Threads started later inherit
        // the unblocked mask.
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&handled, signal) }
        let unblocked = pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        guard unblocked == 0 else { throw RuntimeError.system("pthread_sigmask", errno: unblocked) }
        for signal in [SIGTERM, SIGINT, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalPipe.writeDescriptor, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            guard sigaction(signal, &action, nil) == 0 else { throw RuntimeError.system("sigaction", errno: errno) }
        }
        // A collector that closes the connection must not kill the agent.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Drains the pipe and returns the strongest request seen (stop wins over reload), or `nil`.
    func take() -> Request? {
        var request: Request? = nil
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(readDescriptor, &buffer, buffer.count)
            guard count > 0 else { break }
            for byte in buffer[0..<count] {
                if Int32(byte) == SIGHUP {
                    if request == nil { request = .reload }
                } else {
                    request = .stop
                }
            }
        }
        return request
    }
}
