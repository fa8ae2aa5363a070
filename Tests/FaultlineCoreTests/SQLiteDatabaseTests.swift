import FaultlineCore
import FaultlineTestSupport
import Foundation
import Testing

@Suite struct SQLiteDatabaseTests {
    let directory: ScratchDirectory
    let path: String

    init() throws {
        directory = try ScratchDirectory(prefix: "faultline-sqlite")
        path = directory.file("test.sqlite")
    }

    private func integer(_ database: SQLiteDatabase, _ sql: String) throws -> Int64? {
        try database.rows(sql).first?[0].int64
    }

    // MARK: Opening and pragmas

    @Test func appliesPragmasOnOpen() throws {
        let database = try SQLiteDatabase(
            path: path, configuration: .init(synchronous: .full, busyTimeout: .milliseconds(1500)))
        #expect(try database.rows("PRAGMA journal_mode").first?[0].string == "wal")
        #expect(try integer(database, "PRAGMA synchronous") == 2)
        #expect(try integer(database, "PRAGMA foreign_keys") == 1)
        #expect(try integer(database, "PRAGMA busy_timeout") == 1500)

        let defaults = try SQLiteDatabase(path: path, configuration: .init(foreignKeys: false))
        #expect(try integer(defaults, "PRAGMA synchronous") == 1)
        #expect(try integer(defaults, "PRAGMA foreign_keys") == 0)
        #expect(try integer(defaults, "PRAGMA busy_timeout") == 5000)
    }

    @Test func enforcesForeignKeys() throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute(
            """
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id));
            """)
        let error = #expect(throws: SQLiteError.self) { try database.run("INSERT INTO child VALUES (42)") }
        #expect(error?.isConstraintViolation == true)
    }

    @Test func opensInMemoryDatabase() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try database.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        #expect(try integer(database, "SELECT count(*) FROM t") == 1)
    }

    @Test func openFailureNamesThePath() throws {
        let missing = directory.file("no-such-directory/spool.sqlite")
        let error = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: missing) }
        #expect(error?.kind == .openFailed)
        #expect(error?.primaryResultCode == 14)  // SQLITE_CANTOPEN
        #expect(error?.description.contains(missing) == true)
        #expect(error?.description.contains("writable") == true)
    }

    // MARK: Binding and reading

    @Test func bindsAndReadsEveryStorageClass() throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE value (id INTEGER PRIMARY KEY, v)")
        let values: [SQLiteValue] = [
            .integer(.min), .integer(.max), .integer(0), .real(3.141592653589793), .real(-0.5), .real(1e300),
            .text("Grüße, 世界 🚀"), .text("nul\0inside\0"), .text(""),
            .blob([0, 1, 0, 255, 0]), .blob([]), .blob(Array(repeating: 0, count: 1000)), .null,
        ]
        let insert = try database.prepare("INSERT INTO value (id, v) VALUES (?, ?)")
        for (index, value) in values.enumerated() {
            try insert.run([.integer(Int64(index)), value])
        }

        let rows = try database.rows("SELECT v FROM value ORDER BY id")
        #expect(rows.map { $0[0] } == values)
        #expect(rows.first?.columnNames == ["v"])
        #expect(rows.first?["v"] == .integer(.min))
        #expect(rows.first?["missing"] == nil)
    }

    @Test func typedColumnReadersKeepNulsEmptinessAndNull() throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB)")
        try database.run("INSERT INTO t VALUES (?, ?, ?, ?)", [7, 2.5, "ä\0ö", .blob([0, 0, 7])])
        try database.run("INSERT INTO t VALUES (?, ?, ?, ?)", [nil, nil, "", .blob([])])

        let select = try database.prepare("SELECT i, r, s, b FROM t ORDER BY rowid")
        #expect(select.columnCount == 4)
        #expect(select.columnName(at: 2) == "s")
        #expect(try select.step())
        #expect(select.int64(at: 0) == 7)
        #expect(select.double(at: 1) == 2.5)
        #expect(select.string(at: 2) == "ä\0ö")
        #expect(select.string(at: 2)?.utf8.count == 5)
        #expect(select.blob(at: 3) == [0, 0, 7])
        #expect(try select.step())
        #expect(select.isNull(at: 0))
        #expect(select.int64(at: 0) == nil)
        #expect(select.double(at: 1) == nil)
        #expect(select.string(at: 2) == "")
        #expect(select.blob(at: 3) == [])
        #expect(try !select.step())
    }

    @Test func bindsNamedParameters() throws {
        let database = try SQLiteDatabase(path: path)
        let select = try database.prepare("SELECT :name || '-' || :number")
        try select.bind("web", named: ":name")
        try select.bind(1, named: ":number")
        #expect(try select.step())
        #expect(select.string(at: 0) == "web-1")

        let error = #expect(throws: SQLiteError.self) { try select.bind(1, named: ":missing") }
        #expect(error?.kind == .bindFailed)
        #expect(error?.description.contains(":missing") == true)
    }

    @Test func preparedStatementRunsAgainWithNewValues() throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE t (x INTEGER)")
        let insert = try database.prepare("INSERT INTO t VALUES (?)")
        for number in 1...100 { try insert.run([.integer(Int64(number))]) }
        let sum = try database.prepare("SELECT sum(x) FROM t WHERE x > ?")
        #expect(try sum.rows([50]).first?[0] == .integer(3775))
        #expect(try sum.rows([90]).first?[0] == .integer(955))
    }

    @Test func reportsLastInsertRowIDAndChanges() throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
        try database.run("INSERT INTO t (x) VALUES (1), (2), (3)")
        #expect(database.lastInsertRowID == 3)
        #expect(database.changes == 3)
        try database.run("UPDATE t SET x = x + 1 WHERE x >= ?", [2])
        #expect(database.changes == 2)
        try database.run("DELETE FROM t")
        #expect(database.changes == 3)
    }

    // MARK: Transactions

    @Test func transactionCommitsAndSurvivesReopen() throws {
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute("CREATE TABLE t (x TEXT)")
            let count = try database.transaction {
                #expect(database.isInTransaction)
                try database.run("INSERT INTO t VALUES ('a')")
                try database.run("INSERT INTO t VALUES ('b')")
                return database.changes
            }
            #expect(count == 1)
            #expect(!database.isInTransaction)
        }
        let reopened = try SQLiteDatabase(path: path)
        #expect(try reopened.rows("SELECT x FROM t ORDER BY x").map { $0[0] } == ["a", "b"])
    }

    @Test func transactionRollsBackAndRethrowsTheBodysError() throws {
        struct Interrupted: Error, Equatable {}
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE t (x TEXT)")
        #expect(throws: Interrupted()) {
            try database.transaction {
                try database.run("INSERT INTO t VALUES ('lost')")
                throw Interrupted()
            }
        }
        #expect(!database.isInTransaction)
        #expect(try integer(database, "SELECT count(*) FROM t") == 0)
    }

    @Test func transactionRollsBackWhenAStatementFails() throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE t (x TEXT UNIQUE)")
        let error = #expect(throws: SQLiteError.self) {
            try database.transaction {
                try database.run("INSERT INTO t VALUES ('same')")
                try database.run("INSERT INTO t VALUES ('same')")
            }
        }
        #expect(error?.isConstraintViolation == true)
        #expect(try integer(database, "SELECT count(*) FROM t") == 0)
    }

    @Test func transactionsDoNotNest() throws {
        let database = try SQLiteDatabase(path: path)
        let error = #expect(throws: SQLiteError.self) {
            try database.transaction { try database.transaction(.deferred) {} }
        }
        #expect(error?.kind == .misuse)
        #expect(!database.isInTransaction)
    }

    @Test func busyDatabaseFailsAfterTheBusyTimeout() throws {
        let writer = try SQLiteDatabase(path: path)
        try writer.execute("CREATE TABLE t (x)")
        try writer.execute("BEGIN IMMEDIATE")
        defer { try? writer.execute("ROLLBACK") }
        // Opening (and its pragmas) does not wait for the writer.
        let other = try SQLiteDatabase(path: path, configuration: .init(busyTimeout: .milliseconds(200)))

        let clock = ContinuousClock()
        let started = clock.now
        let error = #expect(throws: SQLiteError.self) {
            try other.transaction { try other.run("INSERT INTO t VALUES (1)") }
        }
        #expect(clock.now - started >= .milliseconds(150))
        #expect(error?.isBusy == true)
        #expect(error?.description.contains("BEGIN IMMEDIATE") == true)
        #expect(error?.description.contains("busy timeout") == true)
        // Readers are not blocked by the writer in WAL mode.
        #expect(try integer(other, "SELECT count(*) FROM t") == 0)
    }

    // MARK: Errors

    @Test func syntaxErrorNamesStatementMessageAndCode() throws {
        let database = try SQLiteDatabase(path: path)
        let error = #expect(throws: SQLiteError.self) { try database.prepare("SELEC id FROM batch") }
        #expect(error?.kind == .invalidStatement)
        #expect(error?.sql == "SELEC id FROM batch")
        #expect(error?.resultCode == 1)
        let description = error?.description ?? ""
        #expect(description.contains("`SELEC id FROM batch`"))
        #expect(description.contains("syntax error"))
        #expect(description.contains("extended result code 1"))
    }

    @Test func constraintErrorNamesTheStatementAndExtendedCode() throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE batch (id TEXT PRIMARY KEY)")
        try database.run("INSERT INTO batch (id) VALUES (?)", ["a:1"])
        let error = #expect(throws: SQLiteError.self) {
            try database.run("INSERT INTO batch (id) VALUES (?)", ["a:1"])
        }
        #expect(error?.kind == .executionFailed)
        #expect(error?.resultCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
        #expect(error?.isConstraintViolation == true)
        #expect(error?.description.contains("INSERT INTO batch (id) VALUES (?)") == true)
        #expect(error?.description.contains("UNIQUE constraint failed: batch.id") == true)
    }

    @Test func scriptErrorNamesTheFailingStatement() throws {
        let database = try SQLiteDatabase(path: path)
        let error = #expect(throws: SQLiteError.self) {
            try database.execute(
                """
                -- a comment first
                CREATE TABLE a (x NOT NULL);
                INSERT INTO a VALUES (NULL);
                CREATE TABLE b (y);
                """)
        }
        #expect(error?.sql == "INSERT INTO a VALUES (NULL);")
        #expect(error?.description.contains("NOT NULL constraint failed: a.x") == true)
        #expect(try integer(database, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'") == 0)
    }

    @Test func prepareRejectsScriptsAndWrongBindingCounts() throws {
        let database = try SQLiteDatabase(path: path)
        let script = #expect(throws: SQLiteError.self) { try database.prepare("SELECT 1; SELECT 2") }
        #expect(script?.kind == .misuse)
        #expect(try database.prepare("SELECT 1; -- trailing comment").rows().count == 1)

        let statement = try database.prepare("SELECT ?, ?")
        let count = #expect(throws: SQLiteError.self) { try statement.run([1]) }
        #expect(count?.kind == .bindFailed)
        #expect(count?.description.contains("2 parameter(s) but 1 value(s)") == true)
    }

    // MARK: Migrations

    private static func migrator(count: Int) -> SQLiteMigrator {
        var migrator = SQLiteMigrator()
        let steps = [
            ("create log", "CREATE TABLE log (step INTEGER)"),
            ("first row", "INSERT INTO log VALUES (2)"),
            ("second row", "INSERT INTO log VALUES (3)"),
        ]
        for (identifier, sql) in steps.prefix(count) {
            migrator.register(identifier) { database in try database.execute(sql) }
        }
        return migrator
    }

    @Test func migrationsRunOnceInOrderAcrossReopens() throws {
        do {
            let database = try SQLiteDatabase(path: path)
            #expect(try Self.migrator(count: 2).migrate(database) == ["create log", "first row"])
        }
        do {
            let database = try SQLiteDatabase(path: path)
            #expect(try Self.migrator(count: 2).migrate(database) == [])
            #expect(try Self.migrator(count: 3).migrate(database) == ["second row"])
        }
        let database = try SQLiteDatabase(path: path)
        #expect(try Self.migrator(count: 3).migrate(database) == [])
        #expect(try database.rows("SELECT step FROM log ORDER BY rowid").map { $0[0] } == [2, 3])
        #expect(try integer(database, "PRAGMA user_version") == 3)
    }

    @Test func failedMigrationRollsBackAndNamesItself() throws {
        let database = try SQLiteDatabase(path: path)
        var migrator = Self.migrator(count: 1)
        migrator.register("broken") { database in
            try database.execute("CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);")
        }
        let error = #expect(throws: SQLiteError.self) { try migrator.migrate(database) }
        #expect(error?.kind == .migrationFailed)
        #expect(error?.description.contains("migration 2 'broken' was rolled back") == true)
        #expect(error?.description.contains("no such table: nowhere") == true)
        #expect(error?.sql == "INSERT INTO nowhere VALUES (1);")
        #expect(try integer(database, "PRAGMA user_version") == 1)
        #expect(try integer(database, "SELECT count(*) FROM sqlite_schema WHERE name = 'half'") == 0)
    }

    @Test func refusesSchemaFromANewerRelease() throws {
        let database = try SQLiteDatabase(path: path)
        try Self.migrator(count: 3).migrate(database)
        let error = #expect(throws: SQLiteError.self) { try Self.migrator(count: 2).migrate(database) }
        #expect(error?.kind == .schemaTooNew)
        #expect(error?.description.contains("version 3") == true)
        #expect(error?.description.contains(path) == true)
    }
}
