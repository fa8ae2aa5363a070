import Glibc

/// One glob pattern of a file source: expanded with glob(3), matched with fnmatch(3), split into the
/// directory to watch and the file-name pattern.
struct PathGlob: Sendable, Hashable {
    /// The pattern as configured.
    let pattern: String
    /// Everything before the last `/` (`/` for a file in the root directory).
    let directoryPattern: String
    /// The last path component.
    let namePattern: String
    private let directoryHasWildcards: Bool

    /// Splits an absolute pattern; `nil` if it is not absolute or ends with `/`.
    init?(_ pattern: String) {
        guard pattern.hasPrefix("/"), !pattern.hasSuffix("/"), let slash = pattern.lastIndex(of: "/") else {
            return nil
        }
        self.pattern = pattern
        let directory = String(pattern[..<slash])
        directoryPattern = directory.isEmpty ? "/" : directory
        namePattern = String(pattern[pattern.index(after: slash)...])
        directoryHasWildcards = directoryPattern.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// The paths that match now, sorted; unreadable directories are skipped.
    func expand() -> [String] {
        Self.expand(pattern, flags: 0)
    }

    /// The existing directories that files matching the pattern would be in.
    func directories() -> [String] {
        let candidates =
            directoryHasWildcards ? Self.expand(directoryPattern, flags: GLOB_ONLYDIR) : [directoryPattern]
        return candidates.filter { path in
            var status = stat()
            return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
        }
    }

    /// Whether a whole path matches the pattern.
    func matches(path: String) -> Bool {
        fnmatch(pattern, path, FNM_PATHNAME | FNM_PERIOD) == 0
    }

    /// Whether a file name (no directory) matches the pattern's last component.
    func matches(name: String) -> Bool {
        fnmatch(namePattern, name, FNM_PERIOD) == 0
    }

    /// Whether `path` is excluded by `pattern`: a pattern with a `/` is matched against the whole path, one
    /// without against the file name.
    static func excludes(_ pattern: String, path: String) -> Bool {
        if pattern.contains("/") { return fnmatch(pattern, path, FNM_PATHNAME | FNM_PERIOD) == 0 }
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        return fnmatch(pattern, name, 0) == 0
    }

    private static func expand(_ pattern: String, flags: Int32) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, flags, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        paths.reserveCapacity(Int(result.gl_pathc))
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths
    }
}
