/// The collector-side grouping of fingerprints: templates that differ only in positions taking many
/// distinct values (user names, table names) share a group with a merged template; templates whose
/// differing words take few values (`opened`/`closed`) stay apart.
///
/// The same set of fingerprints gives the same groups whatever order they arrive in. Groups only ever
/// merge: when new evidence joins groups that already exist, ``add(_:)`` returns the merge, the surviving
/// group keeps the oldest id and the others point to it.
///
/// ```swift
/// var groups = GroupingStage()
/// for user in ["alice", "bob", "carol"] {
///     let signature = Fingerprinter().sign("session closed for user \(user)", source: "sshd")
///     _ = groups.add([.init(signature, source: "sshd")])
/// }
/// // the three fingerprints now share one group, template "session closed for user <*>"
/// ```
public struct GroupingStage: Sendable {
    /// Settings of the grouping stage.
    public struct Configuration: Sendable {
        /// Distinct plain words a position must take before it counts as variable.
        public var minimumDistinctValues: Int

        /// Creates a configuration; the default suits every log we measured, with no per-source tuning.
        public init(minimumDistinctValues: Int = 3) {
            self.minimumDistinctValues = minimumDistinctValues
        }
    }

    /// One fingerprint to place in a group.
    public struct Entry: Sendable {
        /// The fingerprint.
        public var fingerprint: Fingerprint
        /// Its template, as the fingerprinter wrote it.
        public var template: String
        /// Its source identity; fingerprints of different sources never share a group.
        public var source: String

        /// Creates an entry.
        public init(fingerprint: Fingerprint, template: String, source: String) {
            self.fingerprint = fingerprint
            self.template = template
            self.source = source
        }

        /// Creates an entry from a signature.
        public init(_ signature: Signature, source: String) {
            self.init(fingerprint: signature.fingerprint, template: signature.template, source: source)
        }
    }

    private struct Bucket: Hashable {
        var source: String
        var length: Int
    }

    private struct Group {
        var sequence: Int
        var template: String
        var members: [Fingerprint]
    }

    private let clustering: TemplateClustering
    private var groupOfFingerprint: [Fingerprint: GroupID] = [:]
    private var templateOfFingerprint: [Fingerprint: String] = [:]
    private var groups: [GroupID: Group] = [:]
    private var fingerprintsOfKey: [Bucket: [TemplateKey: [Fingerprint]]] = [:]
    private var nextSequence = 0

    /// Creates an empty grouping stage.
    public init(configuration: Configuration = .init()) {
        clustering = TemplateClustering(
            evidence: PositionEvidence(minimumDistinctValues: configuration.minimumDistinctValues)
        )
    }

    /// Adds fingerprints (already known ones are ignored) and returns the merges they caused, if any.
    ///
    /// Adding many at once is cheaper than one by one: each affected source and length is clustered once.
    @discardableResult
    public mutating func add(_ entries: [Entry]) -> [GroupMerge] {
        var dirty: Set<Bucket> = []
        for entry in entries where groupOfFingerprint[entry.fingerprint] == nil {
            templateOfFingerprint[entry.fingerprint] = entry.template
            let key = TemplateKey(template: entry.template)
            let bucket = Bucket(source: entry.source, length: key.tokens.count)
            if let sibling = fingerprintsOfKey[bucket]?[key]?.first, let id = groupOfFingerprint[sibling] {
                // Same template but for the placeholders' types: no new evidence, join the sibling's group.
                groupOfFingerprint[entry.fingerprint] = id
                groups[id]!.members.append(entry.fingerprint)
                fingerprintsOfKey[bucket]![key]!.append(entry.fingerprint)
                continue
            }
            let id = GroupID(founder: entry.fingerprint)
            groupOfFingerprint[entry.fingerprint] = id
            groups[id] = Group(sequence: nextSequence, template: entry.template, members: [entry.fingerprint])
            nextSequence += 1
            fingerprintsOfKey[bucket, default: [:]][key, default: []].append(entry.fingerprint)
            dirty.insert(bucket)
        }
        var merges: [GroupMerge] = []
        for bucket in dirty.sorted(by: { ($0.source, $0.length) < ($1.source, $1.length) }) {
            merges += regroup(bucket)
        }
        return merges
    }

    /// The group a fingerprint belongs to, or `nil` when it was never added.
    public func group(of fingerprint: Fingerprint) -> GroupID? {
        groupOfFingerprint[fingerprint]
    }

    /// The template of a group: its members' template when they all share one, else the merged template.
    public func template(of group: GroupID) -> String? {
        groups[group]?.template
    }

    /// The fingerprints of a group, in the order they were added.
    public func members(of group: GroupID) -> [Fingerprint] {
        groups[group]?.members ?? []
    }

    /// All current groups.
    public var groupIDs: [GroupID] { Array(groups.keys) }

    private mutating func regroup(_ bucket: Bucket) -> [GroupMerge] {
        guard let keys = fingerprintsOfKey[bucket] else { return [] }
        var merges: [GroupMerge] = []
        for (merged, members) in clustering.cluster(Set(keys.keys)) {
            let fingerprints = members.flatMap { keys[$0] ?? [] }
            let ids = Set(fingerprints.compactMap { groupOfFingerprint[$0] })
            guard ids.count > 1 else { continue }
            let ordered = ids.sorted { groups[$0]!.sequence < groups[$1]!.sequence }
            let survivor = ordered[0]
            var group = groups[survivor]!
            for absorbed in ordered.dropFirst() {
                let old = groups.removeValue(forKey: absorbed)!
                for fingerprint in old.members { groupOfFingerprint[fingerprint] = survivor }
                group.members += old.members
            }
            group.template =
                Self.commonTemplate(group.members.compactMap { templateOfFingerprint[$0] }) ?? merged.template
            groups[survivor] = group
            merges.append(
                GroupMerge(survivor: survivor, absorbed: Array(ordered.dropFirst()), template: group.template))
        }
        return merges.sorted { $0.survivor < $1.survivor }
    }

    /// The members' templates token by token: a token they all share stays (typed placeholders included),
    /// any other becomes `<*>`. `nil` when the templates differ in length.
    private static func commonTemplate(_ templates: [String]) -> String? {
        guard let first = templates.first else { return nil }
        var tokens = first.split(separator: " ", omittingEmptySubsequences: false)
        for template in templates.dropFirst() {
            let other = template.split(separator: " ", omittingEmptySubsequences: false)
            guard other.count == tokens.count else { return nil }
            for index in tokens.indices where tokens[index] != other[index] { tokens[index] = "<*>" }
        }
        return tokens.joined(separator: " ")
    }
}
