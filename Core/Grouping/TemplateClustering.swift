/// The deterministic clustering behind the grouping stage: templates of the same length that differ only
/// in variable positions (see ``PositionEvidence``) merge, repeatedly, until nothing changes.
///
/// The first token never merges: it names the event in most logs. The work is done on the sorted set
/// of keys, so the result depends on the set only, never on the order templates arrived in.
struct TemplateClustering {
    let evidence: PositionEvidence

    /// Clusters `keys` (all of one length); returns each cluster's merged key and its original keys.
    func cluster(_ keys: Set<TemplateKey>) -> [(merged: TemplateKey, members: [TemplateKey])] {
        var clusters: [TemplateKey: [TemplateKey]] = [:]
        for key in keys { clusters[key] = [key] }
        guard let length = keys.first?.tokens.count, length > 1 else {
            return clusters.map { ($0.key, $0.value) }
        }
        var changed = true
        while changed {
            changed = false
            for position in 1..<length {
                var buckets: [[String]: [TemplateKey]] = [:]
                for key in clusters.keys.sorted() {
                    var rest = key.tokens
                    rest.remove(at: position)
                    buckets[rest, default: []].append(key)
                }
                for rest in buckets.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                    let keys = buckets[rest]!
                    guard keys.count > 1, evidence.isVariable(Set(keys.map { $0.tokens[position] })) else { continue }
                    var tokens = rest
                    tokens.insert(TemplateKey.wildcard, at: position)
                    let merged = TemplateKey(tokens: tokens)
                    var members: [TemplateKey] = clusters[merged] ?? []
                    for key in keys where key != merged { members += clusters.removeValue(forKey: key) ?? [] }
                    clusters[merged] = members
                    changed = true
                }
            }
        }
        return clusters.map { ($0.key, $0.value) }
    }
}
