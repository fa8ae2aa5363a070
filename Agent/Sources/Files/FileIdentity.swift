/// The device and inode of a file: what stays the same when the file is renamed, and what a glob match and
/// an open descriptor are compared by.
struct FileIdentity: Hashable, Sendable {
    /// `st_dev`.
    var device: UInt64
    /// `st_ino`.
    var inode: UInt64
}
