import Foundation
import Glibc

/// A Unix datagram socket bound to a path, standing in for systemd's notification socket or journald's
/// native socket, so that tests read exactly the datagrams libsystemd sends. The socket file is removed on
/// deinit.
public final class SystemdDatagramListener {
    /// Where the socket is bound.
    public let path: String
    private let descriptor: Int32

    /// Binds a new socket at `path`, which must not exist yet.
    public init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ListenerError("socket", errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            close(descriptor)
            throw ListenerError("socket path too long: \(path)", 0)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let error = errno
            close(descriptor)
            throw ListenerError("bind \(path)", error)
        }
    }

    /// A listener in a new directory under the system's temporary directory, removed on deinit too.
    public static func inNewDirectory() throws -> SystemdDatagramListener {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/faultline-notify-XXXXXX").utf8CString)
        guard let directory = mkdtemp(&template) else { throw ListenerError("mkdtemp", errno) }
        return try SystemdDatagramListener(path: String(cString: directory) + "/notify")
    }

    deinit {
        close(descriptor)
        unlink(path)
        if path.contains("/faultline-notify-") {
            rmdir((path as NSString).deletingLastPathComponent)
        }
    }

    /// The next datagram, or `nil` if none arrives within `timeout`.
    public func receive(timeout: Duration = .seconds(2)) throws -> [UInt8]? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout / .milliseconds(1))
        let ready = poll(&poller, 1, milliseconds)
        guard ready > 0 else {
            if ready < 0 { throw ListenerError("poll", errno) }
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { throw ListenerError("recv", errno) }
        return Array(buffer[..<count])
    }

    /// The next datagram as text.
    public func receiveText(timeout: Duration = .seconds(2)) throws -> String? {
        try receive(timeout: timeout).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A socket call failed; the description names it and the system's reason.
    public struct ListenerError: Error, CustomStringConvertible {
        public let description: String
        init(_ call: String, _ number: Int32) {
            description = "\(call) failed: \(String(cString: strerror(number)))"
        }
    }
}
