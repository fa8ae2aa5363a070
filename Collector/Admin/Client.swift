import FaultlineCore

/// A client (tenant): an organisation whose hosts send batches with its tokens, and whose contacts are
/// told about its errors.
public struct Client: Sendable, Hashable {
    /// The database's id.
    public var id: Int64
    /// A short unique name such as `acme`.
    public var name: String
    /// Who receives the client's emails.
    public var emails: [String]
    /// When it was added.
    public var createdAt: WireTimestamp

    /// Creates a client record.
    public init(id: Int64, name: String, emails: [String], createdAt: WireTimestamp) {
        self.id = id
        self.name = name
        self.emails = emails
        self.createdAt = createdAt
    }

    /// What is wrong with `name` as a client name, or `nil` when it is fine: 1 to 64 letters, digits,
    /// `.`, `_` or `-`, starting with a letter or digit.
    public static func problem(withName name: String) -> String? {
        guard (1...64).contains(name.utf8.count) else { return "must be 1 to 64 characters long" }
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
        }
        guard allowed, let first = name.unicodeScalars.first,
            first.properties.isAlphabetic || ("0"..."9").contains(first)
        else { return "may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit" }
        return nil
    }

    /// What is wrong with `email` as a contact address, or `nil` when it looks like one.
    public static func problem(withEmail email: String) -> String? {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !email.contains(where: { $0.isWhitespace || $0 == "," || $0 == "<" })
        else { return "'\(email)' is not an email address such as ops@example.com" }
        return nil
    }
}
