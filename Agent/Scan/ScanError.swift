#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why `faultline-agent scan` could not read its input.
public struct ScanError: Error, CustomStringConvertible {
    private enum Code {
        case openFailed(path: String, errno: Int32)
        case readFailed(errno: Int32)
    }

    private let code: Code

    static func openFailed(path: String, errno: Int32) -> ScanError {
        ScanError(code: .openFailed(path: path, errno: errno))
    }
    static func readFailed(errno: Int32) -> ScanError { ScanError(code: .readFailed(errno: errno)) }

    /// What went wrong, naming the file and the system's reason.
    public var description: String {
        switch code {
        case .openFailed(let path, let number):
            "cannot open '\(path)': \(String(cString: strerror(number))); check the path and its permissions"
        case .readFailed(let number):
            "reading the input failed: \(String(cString: strerror(number)))"
        }
    }
}
