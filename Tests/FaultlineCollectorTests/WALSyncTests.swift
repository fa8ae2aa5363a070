import FaultlineTestSupport
import Foundation
import NIOPosix
import SQLKit
import Testing

@testable import FaultlineCollector

/// The SQLite writer commits without syncing; the store syncs the WAL file after its commits, before it answers.
@Suite struct WALSyncTests {
    @Test func theWriterLeavesTheSyncToTheStore() async throws {
        try await TestDatabase.with(.sqlite) { test in
            func synchronous(forWriting: Bool) async throws -> Int? {
                try await test.store.withConnection(forWriting: forWriting) { database in
                    try await database.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self)
                }
            }
            #expect(try await synchronous(forWriting: true) == 1, "NORMAL: the commit writes the WAL, no fsync")
            #expect(try await synchronous(forWriting: false) == 2, "FULL")
            let checkpointPages = try await test.store.withConnection(forWriting: true) { database in
                try await database.raw("PRAGMA wal_autocheckpoint").first()?
                    .decode(column: "wal_autocheckpoint", as: Int.self)
            }
            #expect(checkpointPages == 0, "the store checkpoints beside the writer")
            // A commit through the store leaves the WAL it wrote synced, opened at its path.
            try await test.store.withTransaction { database in
                try await database.raw("INSERT INTO clients (name, created_at) VALUES ('wal', 1)").run()
            }
            let wal = try FileManager.default.attributesOfItem(atPath: test.store.walSync!.path)
            #expect(test.store.walSync?.syncedInode == (wal[.systemFileNumber] as? NSNumber)?.uint64Value)
        }
    }

    @Test func syncsTheFileAtItsPathAndNothingWhenThereIsNone() async throws {
        let scratch = try ScratchDirectory(prefix: "faultline-wal-sync")
        let sync = WALSync(databasePath: scratch.file("collector.db"), threads: .singleton)
        try await sync.sync()
        #expect(sync.syncedInode == nil, "no WAL yet: nothing to sync")

        func inode(_ path: String) throws -> UInt64? {
            (try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber)?.uint64Value
        }
        FileManager.default.createFile(atPath: sync.path, contents: Data("frames".utf8))
        // Callers that ask together share syncs; every one of them returns.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 { group.addTask { try await sync.sync() } }
            try await group.waitForAll()
        }
        #expect(sync.syncedInode == (try inode(sync.path)))

        // SQLite deletes the WAL when its last connection closes; the next one is another file.
        let next = scratch.file("next-wal")
        FileManager.default.createFile(atPath: next, contents: Data("other frames".utf8))
        try FileManager.default.removeItem(atPath: sync.path)
        try FileManager.default.moveItem(atPath: next, toPath: sync.path)
        try await sync.sync()
        #expect(sync.syncedInode == (try inode(sync.path)))
        #expect(sync.syncedInode != nil)
    }

    /// Transactions written back to back, as ingest does under load, with checkpoints beside them: the WAL
    /// starts over whenever it reaches the restart size, instead of growing with every transaction.
    @Test func checkpointsKeepTheWALFromGrowingUnderContinuousWrites() async throws {
        try await TestDatabase.with(.sqlite) { test in
            let checkpoint = WALCheckpoint(interval: .zero, restartFrames: 40)
            let line = String(repeating: "x", count: 16_000)
            var largest = 0
            for round in 0..<150 {
                try await test.store.withTransaction(waitingForDisk: false) { database in
                    try await database.raw(
                        "INSERT INTO clients (name, created_at) VALUES (\(bind: "c\(round)-\(line)"), \(bind: round))"
                    ).run()
                }
                // A checkpoint starts after each transaction and runs while the next ones are written.
                checkpoint.written(test.store)
                let size = try FileManager.default.attributesOfItem(atPath: test.store.walSync!.path)[.size]
                largest = max(largest, (size as? NSNumber)?.intValue ?? 0)
            }
            await checkpoint.close()
            // 150 transactions of 4 pages or more: 600 frames, over 2.4 MB, without a restart.
            #expect(largest < 1_200_000, "the WAL grew to \(largest) bytes")
            let clients = try await test.store.withConnection { database in
                try await database.raw("SELECT COUNT(*) AS n FROM clients").first()?.decode(column: "n", as: Int.self)
            }
            #expect(clients == 150)
        }
    }
}
