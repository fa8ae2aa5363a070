#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension TOMLDocument {
    /// Files larger than this are refused: no configuration file is that big, so it is the wrong file.
    public static let maximumFileSize = 16 << 20

    /// Reads and parses a file; error messages name it by `path`, as given.
    ///
    /// Throws ``ConfigurationError/Code/fileNotFound`` when the file does not exist, so that a
    /// program can fall back to its defaults, and ``ConfigurationError/Code/unreadableFile`` when
    /// it cannot be read or is larger than ``maximumFileSize``.
    public init(contentsOfFile path: String) throws(ConfigurationError) {
        let bytes = try Self.readFile(atPath: path)
        try self.init(parsing: bytes, fileName: path)
    }

    private static func readFile(atPath path: String) throws(ConfigurationError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT {
                throw ConfigurationError(.fileNotFound, "no such file", fileName: path, line: nil)
            }
            throw unreadable(path, errorNumber: code)
        }
        defer { close(descriptor) }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw unreadable(path, errorNumber: code)
            }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumFileSize {
                let message = "file is larger than \(maximumFileSize >> 20) MiB; is it a configuration file?"
                throw ConfigurationError(.unreadableFile, message, fileName: path, line: nil)
            }
        }
        return bytes
    }

    private static func unreadable(_ path: String, errorNumber: Int32) -> ConfigurationError {
        let reason = String(cString: strerror(errorNumber))
        return ConfigurationError(.unreadableFile, "cannot read: \(reason)", fileName: path, line: nil)
    }
}
