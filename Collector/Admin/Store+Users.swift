import FaultlineCore
import SQLKit

extension Store {
    /// Adds a user with a new API token. A `client` user needs `clientName`, the others must not have one.
    /// Throws a conflict when the name is taken and not-found for an unknown client.
    public func addUser(named name: String, role: User.Role, clientName: String?) async throws -> IssuedUser {
        switch (role, clientName) {
        case (.client, nil):
            throw StoreError.invalid("a user with role client needs --client NAME: the client whose tickets it sees")
        case (.admin, .some), (.technician, .some):
            throw StoreError.invalid("--client is for users with role client; an \(role.rawValue) sees every ticket")
        default:
            break
        }
        let token = AccessToken.generate()
        let now = WireTimestamp.now()
        return try await withTransaction { database in
            if try await database.raw("SELECT id FROM users WHERE name = \(bind: name)").first() != nil {
                throw StoreError.conflict("a user named '\(name)' exists already; see 'faultline-collector user list'")
            }
            var clientID: Int64?
            if let clientName {
                guard
                    let row = try await database.raw("SELECT id FROM clients WHERE name = \(bind: clientName)").first()
                else {
                    throw StoreError.notFound(
                        "no client named '\(clientName)'; add it with 'faultline-collector client add'")
                }
                clientID = try row.decode(column: "id", as: Int64.self)
            }
            let row = try await database.raw(
                """
                INSERT INTO users (name, role, client_id, token_hash, created_at)
                VALUES (\(bind: name), \(bind: role.rawValue), \(bind: clientID), \(bind: AccessToken.hash(token)),
                    \(bind: now.microseconds))
                RETURNING id
                """
            ).first()
            let user = User(
                id: try row!.decode(column: "id", as: Int64.self), name: name, role: role, clientID: clientID,
                clientName: clientName, createdAt: now, disabledAt: nil)
            return IssuedUser(user: user, token: token)
        }
    }

    /// Every user, by name.
    public func users() async throws -> [User] {
        try await withConnection { database in
            try await Self.users(where: "1 = 1", in: database)
        }
    }

    /// Disables the user named `name`: its token is refused from now on. Throws not-found for an unknown user.
    public func removeUser(named name: String, now: WireTimestamp = .now()) async throws {
        try await withTransaction { database in
            let row = try await database.raw(
                """
                UPDATE users SET disabled_at = COALESCE(disabled_at, \(bind: now.microseconds))
                WHERE name = \(bind: name) RETURNING id
                """
            ).first()
            guard row != nil else {
                throw StoreError.notFound("no user named '\(name)'; see 'faultline-collector user list'")
            }
        }
    }

    /// The enabled user whose API token is `token`, or nil.
    public func user(withToken token: String) async throws -> User? {
        try await withConnection { database in
            try await Self.users(
                where: "u.token_hash = \(bind: AccessToken.hash(token)) AND u.disabled_at IS NULL", in: database
            ).first
        }
    }

    private static func users(where condition: SQLQueryString, in database: any SQLDatabase) async throws -> [User] {
        try await database.raw(
            """
            SELECT u.id, u.name, u.role, u.client_id, c.name AS client_name, u.created_at, u.disabled_at
            FROM users u LEFT JOIN clients c ON c.id = u.client_id
            WHERE \(condition) ORDER BY u.name
            """
        ).all().map { row in
            User(
                id: try row.decode(column: "id", as: Int64.self),
                name: try row.decode(column: "name", as: String.self),
                role: User.Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .client,
                clientID: try row.decode(column: "client_id", as: Int64?.self),
                clientName: try row.decode(column: "client_name", as: String?.self),
                createdAt: WireTimestamp(microseconds: try row.decode(column: "created_at", as: Int64.self)),
                disabledAt: try row.decode(column: "disabled_at", as: Int64?.self).map(
                    WireTimestamp.init(microseconds:)))
        }
    }
}
