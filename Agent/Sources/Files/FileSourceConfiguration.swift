/// What one file source tails and how: built once from the configuration, passed to ``FileTailSource``.
///
/// Globs follow glob(7): `*`, `?` and `[...]` within one path component, no `**`; a leading dot in a name
/// must be matched explicitly. Paths must be absolute. Rotated copies should not match the globs
/// (`/var/log/app/*.log`, not `/var/log/app/*.log*`): a file renamed away is followed by its inode and read
/// to its end anyway, while a *copy* (copytruncate) that matches would be read again from its start.
public struct FileSourceConfiguration: Sendable, Hashable {
    /// The names that are never tailed unless an exclude list says otherwise: compressed rotations.
    public static let defaultExcludeGlobs = ["*.gz", "*.bz2", "*.xz", "*.zst", "*.lz4", "*.zip"]

    /// Absolute glob patterns of the files to tail, such as `/var/log/nginx/*.log`.
    public var globs: [String]
    /// Patterns of files to skip although a glob matches them. A pattern with a `/` is matched against the
    /// whole path, one without against the file name alone.
    public var excludeGlobs: [String]
    /// The application's name, which goes into each event's source and fingerprint identity; `nil` uses the
    /// file's path, so the same error in two files gives two fingerprints.
    public var app: String?
    /// The longest line kept, in bytes; a longer line keeps its first `maximumLineBytes` bytes, is marked
    /// truncated, and the rest of it is skipped without being held in memory.
    public var maximumLineBytes: Int
    /// Whether files that already exist the very first time the agent starts are read from their beginning.
    /// By default they are read from their end (from the start of their last line); files that appear later,
    /// and files found on a restart without a checkpoint of their own, are always read from their beginning.
    public var readFromBeginning: Bool
    /// How often the globs are expanded again, in case inotify missed something (a full event queue, a
    /// directory created after the start, a filesystem that does not report changes).
    public var rescanInterval: Duration
    /// How long a file that was renamed away or deleted stays open after its last new byte, once its writer
    /// has moved on (a new file at its name received lines, or it was deleted). Its end is read, then it is
    /// closed and its checkpoint dropped.
    public var rotatedFileGracePeriod: Duration
    /// How lines are grouped into events (stack traces).
    public var multiline: MultilineConfiguration

    /// Creates a configuration; every value but the globs has a default.
    public init(
        globs: [String],
        excludeGlobs: [String] = FileSourceConfiguration.defaultExcludeGlobs,
        app: String? = nil,
        maximumLineBytes: Int = 64 * 1024,
        readFromBeginning: Bool = false,
        rescanInterval: Duration = .seconds(10),
        rotatedFileGracePeriod: Duration = .seconds(5),
        multiline: MultilineConfiguration = MultilineConfiguration()
    ) {
        self.globs = globs
        self.excludeGlobs = excludeGlobs
        self.app = app
        self.maximumLineBytes = maximumLineBytes
        self.readFromBeginning = readFromBeginning
        self.rescanInterval = rescanInterval
        self.rotatedFileGracePeriod = rotatedFileGracePeriod
        self.multiline = multiline
    }
}
