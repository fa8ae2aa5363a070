/// Decides whether one token position, given the distinct values it takes among templates that agree
/// everywhere else, is a variable (merge them) or part of the message (keep them apart).
struct PositionEvidence {
    /// Distinct plain words needed before a position counts as variable.
    let minimumDistinctValues: Int

    /// - A value holding a placeholder absorbs values of the same shape: `(<*>)` takes `()` and `(x)`.
    /// - Otherwise the position is variable when it takes at least ``minimumDistinctValues`` words, none of
    ///   them an upper-case constant (`GET`, `POST`) or an event word (`opened`, `closing`): those name
    ///   what happened, and a handful of them is not evidence of a variable.
    func isVariable(_ values: Set<String>) -> Bool {
        let withPlaceholder = values.filter { $0.contains(TemplateKey.wildcard) }
        let words = values.subtracting(withPlaceholder)
        if !withPlaceholder.isEmpty {
            return words.allSatisfy { word in withPlaceholder.contains { Self.shape($0, fits: word) } }
        }
        guard words.count >= minimumDistinctValues else { return false }
        return !words.contains { Self.isConstantWord($0) || Self.isEventWord($0) }
    }

    /// Whether `word` looks like `pattern` with its placeholders filled: same text before the first and
    /// after the last placeholder, and what fills them is empty or holds a letter or digit.
    static func shape(_ pattern: String, fits word: String) -> Bool {
        guard let first = pattern.firstRange(of: TemplateKey.wildcard),
            let last = pattern.ranges(of: TemplateKey.wildcard).last
        else { return false }
        let prefix = pattern[..<first.lowerBound]
        let suffix = pattern[last.upperBound...]
        guard word.count >= prefix.count + suffix.count, word.hasPrefix(prefix), word.hasSuffix(suffix) else {
            return false
        }
        let middle = word.dropFirst(prefix.count).dropLast(suffix.count)
        return middle.isEmpty || middle.contains { $0.isLetter || $0.isNumber }
    }

    /// Two or more letters, all upper case: `GET`, `ERROR`, `ACTION_DOWN`.
    static func isConstantWord(_ word: String) -> Bool {
        var letters = 0
        for scalar in word.unicodeScalars where scalar.properties.isAlphabetic {
            guard scalar.properties.isUppercase else { return false }
            letters += 1
        }
        return letters >= 2
    }

    /// A past tense or progressive verb: `opened`, `Stopped`, `closing`.
    static func isEventWord(_ word: String) -> Bool {
        let trimmed = word.lowercased().trimmingCharacters(where: { ".,;:()[]".contains($0) })
        return trimmed.count > 3 && (trimmed.hasSuffix("ed") || trimmed.hasSuffix("ing"))
    }
}

extension String {
    fileprivate func trimmingCharacters(where predicate: (Character) -> Bool) -> String {
        guard let start = firstIndex(where: { !predicate($0) }), let end = lastIndex(where: { !predicate($0) })
        else { return "" }
        return String(self[start...end])
    }
}
