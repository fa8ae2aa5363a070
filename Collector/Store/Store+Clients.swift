import FaultlineCore
import SQLKit

extension Store {
    /// Adds a client with its contact addresses; throws a conflict when the name is taken.
    public func addClient(named name: String, emails: [String]) async throws -> Client {
        let now = WireTimestamp.now()
        return try await withTransaction { database in
            let existing = try await database.raw("SELECT id FROM clients WHERE name = \(bind: name)").first()
            guard existing == nil else {
                throw StoreError.conflict(
                    "a client named '\(name)' exists already; see 'faultline-collector client list'")
            }
            let row = try await database.raw(
                "INSERT INTO clients (name, created_at) VALUES (\(bind: name), \(bind: now.microseconds)) RETURNING id"
            ).first()
            let id = try row!.decode(column: "id", as: Int64.self)
            let uniqueEmails = emails.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            for email in uniqueEmails {
                try await database.raw(
                    "INSERT INTO client_contacts (client_id, email) VALUES (\(bind: id), \(bind: email))"
                ).run()
            }
            return Client(id: id, name: name, emails: uniqueEmails, createdAt: now)
        }
    }

    /// Every client, by name, with its contact addresses.
    public func clients() async throws -> [Client] {
        try await withConnection { database in
            let rows = try await database.raw("SELECT id, name, created_at FROM clients ORDER BY name").all()
            let contacts = try await database.raw(
                "SELECT client_id, email FROM client_contacts ORDER BY client_id, email"
            ).all()
            var emails: [Int64: [String]] = [:]
            for row in contacts {
                emails[try row.decode(column: "client_id", as: Int64.self), default: []]
                    .append(try row.decode(column: "email", as: String.self))
            }
            return try rows.map { row in
                let id = try row.decode(column: "id", as: Int64.self)
                return Client(
                    id: id,
                    name: try row.decode(column: "name", as: String.self),
                    emails: emails[id] ?? [],
                    createdAt: WireTimestamp(microseconds: try row.decode(column: "created_at", as: Int64.self))
                )
            }
        }
    }

    /// Issues a new token for the client named `clientName`; the token's text is in the result only.
    public func issueToken(forClient clientName: String) async throws -> IssuedToken {
        let token = AccessToken.generate()
        let now = WireTimestamp.now()
        return try await withTransaction { database in
            guard let client = try await database.raw("SELECT id FROM clients WHERE name = \(bind: clientName)").first()
            else {
                throw StoreError.notFound(
                    "no client named '\(clientName)'; add it with 'faultline-collector client add'")
            }
            let clientID = try client.decode(column: "id", as: Int64.self)
            let row = try await database.raw(
                """
                INSERT INTO tokens (client_id, hash, created_at)
                VALUES (\(bind: clientID), \(bind: AccessToken.hash(token)), \(bind: now.microseconds))
                RETURNING id
                """
            ).first()
            let record = TokenRecord(
                id: try row!.decode(column: "id", as: Int64.self), clientName: clientName, createdAt: now,
                revokedAt: nil)
            return IssuedToken(record: record, token: token)
        }
    }

    /// Revokes the token with id `tokenID`: the agents using it get 401 from now on. Revoking a revoked token
    /// keeps its first revocation time.
    public func revokeToken(id tokenID: Int64) async throws -> TokenRecord {
        let now = WireTimestamp.now()
        return try await withTransaction { database in
            try await database.raw(
                """
                UPDATE tokens SET revoked_at = \(bind: now.microseconds)
                WHERE id = \(bind: tokenID) AND revoked_at IS NULL
                """
            ).run()
            guard let record = try await tokens(where: "t.id = \(bind: tokenID)", in: database).first else {
                throw StoreError.notFound("no token with id \(tokenID); see 'faultline-collector token list'")
            }
            return record
        }
    }

    /// The tokens issued, oldest first; only those of `clientName` when given.
    public func tokens(ofClient clientName: String? = nil) async throws -> [TokenRecord] {
        try await withConnection { database in
            if let clientName {
                return try await tokens(where: "c.name = \(bind: clientName)", in: database)
            }
            return try await tokens(where: "1 = 1", in: database)
        }
    }

    /// Whom `token` authenticates as.
    public func checkToken(_ token: String) async throws -> TokenCheck {
        try await withConnection { database in
            let row = try await database.raw(
                """
                SELECT t.id, t.client_id, t.revoked_at, c.name
                FROM tokens t JOIN clients c ON c.id = t.client_id
                WHERE t.hash = \(bind: AccessToken.hash(token))
                """
            ).first()
            guard let row else { return .unknown }
            let name = try row.decode(column: "name", as: String.self)
            if try row.decode(column: "revoked_at", as: Int64?.self) != nil {
                return .revoked(clientName: name)
            }
            return .valid(
                AuthenticatedClient(
                    id: try row.decode(column: "client_id", as: Int64.self),
                    name: name,
                    tokenID: try row.decode(column: "id", as: Int64.self)
                ))
        }
    }

    private func tokens(where condition: SQLQueryString, in database: any SQLDatabase) async throws -> [TokenRecord] {
        let rows = try await database.raw(
            """
            SELECT t.id, t.created_at, t.revoked_at, c.name
            FROM tokens t JOIN clients c ON c.id = t.client_id
            WHERE \(condition)
            ORDER BY t.id
            """
        ).all()
        return try rows.map { row in
            TokenRecord(
                id: try row.decode(column: "id", as: Int64.self),
                clientName: try row.decode(column: "name", as: String.self),
                createdAt: WireTimestamp(microseconds: try row.decode(column: "created_at", as: Int64.self)),
                revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(WireTimestamp.init(microseconds:))
            )
        }
    }
}
