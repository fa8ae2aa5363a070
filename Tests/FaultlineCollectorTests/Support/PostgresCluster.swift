import Foundation
import Testing

/// A throw-away PostgreSQL cluster for the tests: `initdb` into a temporary directory, a server on a free
/// loopback port with its socket in that directory, stopped and deleted at the end.
///
/// It needs the server binaries (Debian's `postgresql` package); without them starting fails with a message
/// that says so, and the tests that need the cluster fail. As root, the server runs as the `postgres` user,
/// since PostgreSQL refuses to run as root.
final class PostgresCluster: Sendable {
    /// Why the cluster could not start.
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// The cluster of the running ``PostgresClusterTrait`` scope.
    @TaskLocal static var current: PostgresCluster?

    /// The TCP port on 127.0.0.1.
    let port: Int
    private let directory: String
    private let binaries: String
    private let runsAsPostgresUser: Bool

    private init(port: Int, directory: String, binaries: String, runsAsPostgresUser: Bool) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.runsAsPostgresUser = runsAsPostgresUser
    }

    /// A URL for `database`, as the superuser `postgres`, without TLS.
    func url(database: String) -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Creates a cluster and starts its server.
    static func start() throws -> PostgresCluster {
        guard let binaries = serverBinaries() else {
            throw StartError(
                description: "PostgreSQL's server binaries (initdb, pg_ctl) are not installed; the store tests run on "
                    + "a real PostgreSQL. Install Debian's 'postgresql' package (make deps does).")
        }
        let runsAsPostgresUser = getuid() == 0
        let directory = FileManager.default.temporaryDirectory.path + "/faultline-postgres-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        if runsAsPostgresUser {
            guard let user = getpwnam("postgres") else {
                throw StartError(description: "running as root, but there is no 'postgres' user to run the server as")
            }
            guard chown(directory, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw StartError(description: "cannot give \(directory) to the postgres user: errno \(errno)")
            }
        }
        let cluster = PostgresCluster(
            port: try freePort(), directory: directory, binaries: binaries, runsAsPostgresUser: runsAsPostgresUser)
        do {
            try cluster.run(
                "initdb", ["-D", directory + "/data", "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
            let serverOptions = [
                "-p \(cluster.port)", "-k \(directory)", "-c listen_addresses=127.0.0.1", "-c fsync=off",
                "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=200",
            ]
            try cluster.run(
                "pg_ctl",
                [
                    "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60",
                    "-o", serverOptions.joined(separator: " "), "start",
                ])
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    /// Stops the server and deletes the cluster.
    func stop() {
        if FileManager.default.fileExists(atPath: directory + "/data/postmaster.pid") {
            try? run("pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs one of the server binaries, as the postgres user when running as root; throws with its output
    /// when it fails.
    ///
    /// `posix_spawn` and `waitpid` rather than Foundation's `Process`: the server that `pg_ctl start` leaves
    /// running must not hold a pipe of ours, and the tool's output goes to a file for the same reason.
    private func run(_ tool: String, _ arguments: [String]) throws {
        let command =
            runsAsPostgresUser
            ? ["/usr/sbin/runuser", "-u", "postgres", "--", binaries + "/" + tool] + arguments
            : [binaries + "/" + tool] + arguments
        let outputPath = directory + "/\(tool).out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, &argv, environ)
        guard spawned == 0 else {
            throw StartError(description: "cannot run \(command[0]): error \(spawned)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let exitCode = (status >> 8) & 0xff
        guard exited && exitCode == 0 else {
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            throw StartError(description: "\(tool) failed (wait status \(status)):\n\(output)\n\(log)")
        }
    }

    /// The newest `/usr/lib/postgresql/N/bin` that has `initdb` and `pg_ctl`.
    private static func serverBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap { Int($0) }.sorted(by: >).lazy
            .map { "\(root)/\($0)/bin" }
            .first {
                FileManager.default.isExecutableFile(atPath: $0 + "/initdb")
                    && FileManager.default.isExecutableFile(atPath: $0 + "/pg_ctl")
            }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw StartError(description: "socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw StartError(description: "cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Starts a ``PostgresCluster`` around a suite and stops it when the suite is done:
/// `@Suite(.postgresCluster) struct DatabaseTests { ... }`.
struct PostgresClusterTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let cluster = try PostgresCluster.start()
        defer { cluster.stop() }
        try await PostgresCluster.$current.withValue(cluster) {
            try await function()
        }
    }
}

extension Trait where Self == PostgresClusterTrait {
    /// A throw-away PostgreSQL cluster for the suite's tests.
    static var postgresCluster: Self { Self() }
}
