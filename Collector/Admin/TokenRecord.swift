import FaultlineCore

/// What the database knows about an issued token: never the token itself.
public struct TokenRecord: Sendable, Hashable {
    /// The token's id, which `token revoke` takes.
    public var id: Int64
    /// The client the token authenticates as.
    public var clientName: String
    /// When it was issued.
    public var createdAt: WireTimestamp
    /// When it was revoked, if it was.
    public var revokedAt: WireTimestamp?

    /// Creates a record.
    public init(id: Int64, clientName: String, createdAt: WireTimestamp, revokedAt: WireTimestamp?) {
        self.id = id
        self.clientName = clientName
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A token just issued: the only time the token's text exists outside the agent's configuration.
public struct IssuedToken: Sendable {
    /// The stored record.
    public var record: TokenRecord
    /// The bearer token to put in the agent's configuration.
    public var token: String
}

/// Whom a bearer token authenticates.
public enum TokenCheck: Sendable, Hashable {
    /// No such token.
    case unknown
    /// The token was revoked; its client must issue a new one.
    case revoked(clientName: String)
    /// A valid token of this client.
    case valid(AuthenticatedClient)
}

/// The client a request authenticated as.
public struct AuthenticatedClient: Sendable, Hashable {
    /// The client's database id.
    public var id: Int64
    /// The client's name.
    public var name: String
    /// The token's id, for logs.
    public var tokenID: Int64

    /// Creates the identity.
    public init(id: Int64, name: String, tokenID: Int64) {
        self.id = id
        self.name = name
        self.tokenID = tokenID
    }
}
