import Glibc

/// One inotify instance: the descriptor the agent's poll loop waits on, the watches, and the events.
///
/// Not `Sendable`: owned by the ``FileTailSource`` that reads it, on one thread.
final class InotifyWatcher {
    /// One event, with the name of the directory entry it concerns for events on a watched directory.
    struct Event {
        /// The watch descriptor the event is for (-1 for `IN_Q_OVERFLOW`).
        var watch: Int32
        /// The `IN_*` bits.
        var mask: UInt32
        /// The entry's name, for events about a watched directory's entries.
        var name: String?
    }

    /// The inotify descriptor, non-blocking and close-on-exec.
    let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)

    /// Creates the instance.
    ///
    /// - Throws: ``FileSourceError`` of kind ``FileSourceError/Kind/watchFailed`` (too many instances).
    init() throws(FileSourceError) {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else {
            let code = errno
            let advice =
                "Files cannot be watched for changes. If the limit of inotify instances is reached, raise "
                + "fs.inotify.max_user_instances (sysctl)"
            throw FileSourceError(.watchFailed, path: "inotify_init1", errorNumber: code, advice: advice)
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Adds (or replaces) a watch; returns the watch descriptor, or the negated `errno` value.
    func addWatch(_ path: String, mask: UInt32) -> Int32 {
        let watch = inotify_add_watch(descriptor, path, mask)
        return watch >= 0 ? watch : -errno
    }

    /// Removes a watch; a watch the kernel already dropped (its file is gone) is not an error.
    func removeWatch(_ watch: Int32) {
        _ = inotify_rm_watch(descriptor, watch)
    }

    /// Calls `body` with every queued event, until the queue is empty.
    func drain(_ body: (Event) -> Void) throws(FileSourceError) {
        let headerSize = MemoryLayout<inotify_event>.size
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                let advice = "Changes to the files are only seen at each rescan until the agent restarts"
                throw FileSourceError(.watchFailed, path: "inotify", errorNumber: errno, advice: advice)
            }
            if count == 0 { return }
            buffer.withUnsafeBytes { bytes in
                var position = 0
                while position + headerSize <= count {
                    let watch = bytes.loadUnaligned(fromByteOffset: position, as: Int32.self)
                    let mask = bytes.loadUnaligned(fromByteOffset: position + 4, as: UInt32.self)
                    let nameLength = Int(bytes.loadUnaligned(fromByteOffset: position + 12, as: UInt32.self))
                    var name: String? = nil
                    if nameLength > 0 {
                        let nameBytes = bytes[(position + headerSize)..<(position + headerSize + nameLength)]
                        // The name is padded with NUL bytes to an aligned length.
                        name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    body(Event(watch: watch, mask: mask, name: name))
                    position += headerSize + nameLength
                }
            }
        }
    }
}
