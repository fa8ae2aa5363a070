/// A template seen by the grouping stage: its tokens with every typed placeholder written `<*>`, because a
/// position that holds an IP in one message and a host name in another is one variable.
struct TemplateKey: Hashable, Comparable {
    static let wildcard = "<*>"

    var tokens: [String]

    init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Splits a template at its single spaces. A multi-line template (a stack trace) is one opaque token,
    /// so traces only ever group with identical traces.
    init(template: String) {
        if template.utf8.contains(UInt8(ascii: "\n")) {
            tokens = [template]
        } else {
            tokens = template.split(separator: " ", omittingEmptySubsequences: false).map {
                Self.untyped(String($0))
            }
        }
    }

    /// The token with each known placeholder (`<num>`, `<ip>`, ...) replaced by `<*>`.
    static func untyped(_ token: String) -> String {
        guard token.utf8.contains(UInt8(ascii: "<")) else { return token }
        var result = token
        for placeholder in Placeholder.allCases where placeholder != .any {
            result = result.replacing(placeholder.text, with: wildcard)
        }
        return result
    }

    var template: String { tokens.joined(separator: " ") }

    static func < (lhs: TemplateKey, rhs: TemplateKey) -> Bool {
        lhs.tokens.lexicographicallyPrecedes(rhs.tokens)
    }
}
