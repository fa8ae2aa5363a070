import FaultlineCollector
import FaultlineCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

extension DatabaseTests {
    @Suite struct HTTPTests {
        /// A database with the client `acme` and its token, and the collector's routes over it.
        struct Fixture {
            let database: TestDatabase
            let token: String
            let application: Application<RouterResponder<BasicRequestContext>>

            init(_ database: TestDatabase, maximumBatchBytes: Int = 1 << 20) async throws {
                self.database = database
                _ = try await database.store.addClient(named: "acme", emails: ["ops@acme.example"])
                token = try await database.store.issueToken(forClient: "acme").token
                application = Application(
                    router: CollectorApplication.router(store: database.store, maximumBatchBytes: maximumBatchBytes))
            }

            func headers(token: String? = nil, gzip: Bool = false) -> HTTPFields {
                var fields: HTTPFields = [.contentType: "application/json"]
                fields[.authorization] = "Bearer \(token ?? self.token)"
                if gzip { fields[.contentEncoding] = "gzip" }
                return fields
            }
        }

        static func body(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

        static func errorMessage(_ response: TestResponse) -> String {
            struct ErrorBody: Decodable {
                struct Inner: Decodable { let message: String }
                let error: Inner
            }
            return
                (try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView)).error.message)
                ?? ""
        }

        static func receipt(_ response: TestResponse) throws -> BatchReceiptBody {
            try JSONDecoder().decode(BatchReceiptBody.self, from: Data(response.body.readableBytesView))
        }

        struct BatchReceiptBody: Decodable, Equatable {
            let status: String
            let batch_id: String
            let groups: Int
        }

        /// The batch's JSON with `edit` applied to its dictionary form.
        static func editedJSON(_ batch: Batch, _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
            var object = try JSONSerialization.jsonObject(with: Data(TestBatches.json(batch))) as! [String: Any]
            edit(&object)
            return Array(try JSONSerialization.data(withJSONObject: object))
        }

        static func editFirstGroup(_ object: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
            var groups = object["groups"] as! [[String: Any]]
            edit(&groups[0])
            object["groups"] = groups
        }

        @Test(arguments: DatabaseEngine.allCases)
        func refusesMissingUnknownAndRevokedTokens(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let fixture = try await Fixture(test)
                let json = try TestBatches.json(TestBatches.batch("1", groups: [IngestTests.sessionClosed("alice")]))
                let revoked = try await fixture.database.store.issueToken(forClient: "acme")
                _ = try await fixture.database.store.revokeToken(id: revoked.record.id)
                try await fixture.application.test(.router) { client in
                    try await client.execute(
                        uri: "/api/v1/batches", method: .post, headers: [.contentType: "application/json"],
                        body: Self.body(json)
                    ) { response in
                        #expect(response.status == .unauthorized)
                        #expect(response.headers[.wwwAuthenticate] == "Bearer")
                        #expect(Self.errorMessage(response).contains("missing bearer token"))
                    }
                    try await client.execute(
                        uri: "/api/v1/batches", method: .post, headers: fixture.headers(token: "flt_nothing"),
                        body: Self.body(json)
                    ) { response in
                        #expect(response.status == .unauthorized)
                        #expect(Self.errorMessage(response) == "unknown token")
                    }
                    try await client.execute(
                        uri: "/api/v1/batches", method: .post, headers: fixture.headers(token: revoked.token),
                        body: Self.body(json)
                    ) { response in
                        #expect(response.status == .unauthorized)
                        #expect(Self.errorMessage(response).contains("revoked"))
                    }
                }
                #expect(try await fixture.database.store.integer("SELECT COUNT(*) AS value FROM batches") == 0)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func refusesBatchesOverTheSizeLimit(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let fixture = try await Fixture(test, maximumBatchBytes: 4096)
                let message = "disk /dev/sda1 is full"
                let big = TestBatches.batch("1", groups: [TestBatches.group(message, samples: 100)])
                let json = try TestBatches.json(big)
                #expect(json.count > 4096)
                let compressed = Gzip.compress(json)
                #expect(compressed.count < 4096)
                try await fixture.application.test(.router) { client in
                    try await client.execute(
                        uri: "/api/v1/batches", method: .post, headers: fixture.headers(), body: Self.body(json)
                    ) { response in
                        #expect(response.status == .contentTooLarge)
                        #expect(Self.errorMessage(response).contains("limit of 4096"))
                    }
                    // Small on the wire, too large once decompressed: a compression bomb is refused the same way.
                    try await client.execute(
                        uri: "/api/v1/batches", method: .post, headers: fixture.headers(gzip: true),
                        body: Self.body(compressed)
                    ) { response in
                        #expect(response.status == .contentTooLarge)
                        #expect(Self.errorMessage(response).contains("decompresses to more than"))
                    }
                }
                #expect(try await fixture.database.store.integer("SELECT COUNT(*) AS value FROM batches") == 0)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func namesTheFieldOfAMalformedBatch(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let fixture = try await Fixture(test)
                let batch = TestBatches.batch(
                    "1", groups: [IngestTests.sessionClosed("alice"), IngestTests.sessionClosed("bob")])
                let cases: [(body: [UInt8], encoding: String?, status: HTTPResponse.Status, message: String)] = [
                    (
                        try Self.editedJSON(batch) { object in
                            var groups = object["groups"] as! [[String: Any]]
                            groups[1]["fingerprint"] = "9f2c"
                            object["groups"] = groups
                        }, nil, .badRequest, #"groups[1].fingerprint: expected 16 hex digits, found "9f2c""#
                    ),
                    (
                        try Self.editedJSON(batch) { Self.editFirstGroup(&$0) { $0.removeValue(forKey: "count") } },
                        nil, .badRequest, "groups[0].count: missing"
                    ),
                    (
                        try Self.editedJSON(batch) { Self.editFirstGroup(&$0) { $0["count"] = "many" } },
                        nil, .badRequest, "groups[0].count: expected an integer"
                    ),
                    (
                        try Self.editedJSON(batch) { Self.editFirstGroup(&$0) { $0["count"] = 0 } },
                        nil, .badRequest, "groups[0].count: must be at least 1, found 0"
                    ),
                    (
                        try Self.editedJSON(batch) { Self.editFirstGroup(&$0) { $0["last_seen"] = "yesterday" } },
                        nil, .badRequest, "groups[0].last_seen: 'yesterday' is not an ISO 8601 UTC time"
                    ),
                    (
                        try Self.editedJSON(batch) { $0["schema"] = 2 },
                        nil, .badRequest, "schema: version 2 is not supported; this collector reads version 1"
                    ),
                    (
                        try Self.editedJSON(batch) {
                            $0["window"] = ["start": "2026-11-21T10:00:05Z", "end": "2026-11-21T10:00:00Z"]
                        },
                        nil, .badRequest, "window.end: 2026-11-21T10:00:00.000000Z is before window.start"
                    ),
                    (Array("{\"schema\": 1,".utf8), nil, .badRequest, "the body is not valid JSON"),
                    (Array("not gzip at all".utf8), "gzip", .badRequest, "the body is not valid gzip"),
                    (
                        try TestBatches.json(batch), "br", .unsupportedMediaType,
                        "Content-Encoding 'br' is not supported"
                    ),
                ]
                try await fixture.application.test(.router) { client in
                    for (body, encoding, status, message) in cases {
                        var headers = fixture.headers()
                        headers[.contentEncoding] = encoding
                        try await client.execute(
                            uri: "/api/v1/batches", method: .post, headers: headers, body: Self.body(body)
                        ) { response in
                            #expect(response.status == status, "\(message)")
                            #expect(Self.errorMessage(response).hasPrefix(message), "\(Self.errorMessage(response))")
                        }
                    }
                }
                #expect(try await fixture.database.store.integer("SELECT COUNT(*) AS value FROM batches") == 0)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func storesAGzipBatchOnceAndSumsOccurrences(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let fixture = try await Fixture(test)
                let store = fixture.database.store
                let first = TestBatches.batch("1", groups: [TestBatches.group("disk /dev/sda1 is full", count: 3)])
                let second = TestBatches.batch("2", groups: [TestBatches.group("disk /dev/sdb2 is full", count: 4)])
                try await fixture.application.test(.router) { client in
                    for (batch, expected) in [
                        (first, "stored"), (first, "duplicate"), (second, "stored"), (first, "duplicate"),
                    ] {
                        try await client.execute(
                            uri: "/api/v1/batches", method: .post, headers: fixture.headers(gzip: true),
                            body: Self.body(Gzip.compress(try TestBatches.json(batch)))
                        ) { response in
                            #expect(response.status == .ok)
                            let receipt = try Self.receipt(response)
                            #expect(receipt.status == expected)
                            #expect(receipt.batch_id == batch.batchID)
                        }
                    }
                }
                #expect(try await store.integer("SELECT COUNT(*) AS value FROM batches") == 2)
                #expect(try await store.integer("SELECT COUNT(*) AS value FROM error_groups") == 1)
                #expect(try await store.integer("SELECT count AS value FROM error_groups") == 7)
                #expect(try await store.integer("SELECT COUNT(*) AS value FROM occurrences") == 1)
                #expect(try await store.integer("SELECT count AS value FROM occurrences") == 7)
                #expect(try await store.totalCount(in: "fingerprints") == 7)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func recordsAMergeWhenTheThirdUserNameArrives(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let fixture = try await Fixture(test)
                let store = fixture.database.store
                try await fixture.application.test(.router) { client in
                    for (index, user) in ["alice", "bob", "carol"].enumerated() {
                        let batch = TestBatches.batch("\(index)", groups: [IngestTests.sessionClosed(user)])
                        try await client.execute(
                            uri: "/api/v1/batches", method: .post, headers: fixture.headers(),
                            body: Self.body(try TestBatches.json(batch))
                        ) { response in
                            #expect(response.status == .ok)
                        }
                        let merges = try await store.integer("SELECT COUNT(*) AS value FROM group_merges")
                        #expect(merges == (index < 2 ? 0 : 1), "after \(user)")
                    }
                }
                #expect(
                    try await store.strings("SELECT template AS value FROM error_groups WHERE merged_into IS NULL")
                        == ["session closed for user <*>"])
                #expect(
                    try await store.integer("SELECT count AS value FROM error_groups WHERE merged_into IS NULL") == 3)
            }
        }

        @Test(arguments: DatabaseEngine.allCases)
        func answersHealthChecks(engine: DatabaseEngine) async throws {
            try await TestDatabase.with(engine) { test in
                let fixture = try await Fixture(test)
                try await fixture.application.test(.router) { client in
                    try await client.execute(uri: "/healthz", method: .get) { response in
                        #expect(response.status == .ok)
                        #expect(String(buffer: response.body) == "ok\n")
                    }
                }
            }
        }
    }
}
