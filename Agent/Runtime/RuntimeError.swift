#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the agent's runtime could not start or go on.
public struct RuntimeError: Error, CustomStringConvertible {
    private enum Code {
        case system(call: String, errno: Int32)
        case configuration(String)
    }

    private let code: Code

    static func system(_ call: String, errno: Int32) -> RuntimeError {
        RuntimeError(code: .system(call: call, errno: errno))
    }

    static func configuration(_ message: String) -> RuntimeError { RuntimeError(code: .configuration(message)) }

    /// What went wrong and what to do.
    public var description: String {
        switch code {
        case .system(let call, let number): "\(call) failed: \(String(cString: strerror(number)))"
        case .configuration(let message): message
        }
    }
}
