/// The identity of a group of fingerprints: the fingerprint of the group's first member.
///
/// When groups merge, the surviving group keeps the id of the oldest of them.
public struct GroupID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The founding member's fingerprint.
    public var founder: Fingerprint

    /// Creates the id of the group founded by `founder`.
    public init(founder: Fingerprint) {
        self.founder = founder
    }

    /// 16 hex digits, as the founder's fingerprint prints.
    public var description: String { founder.description }

    public static func < (lhs: GroupID, rhs: GroupID) -> Bool { lhs.founder < rhs.founder }
}

/// An explicit merge decided by the grouping stage: `absorbed` groups now belong to `survivor`.
///
/// The collector closes the absorbed groups' tickets as merged into the survivor's.
public struct GroupMerge: Hashable, Sendable {
    /// The group that remains: the oldest of those merged.
    public var survivor: GroupID
    /// The groups that point to the survivor from now on, oldest first.
    public var absorbed: [GroupID]
    /// The survivor's template after the merge, with `<*>` where the members differ.
    public var template: String

    /// Creates a merge record.
    public init(survivor: GroupID, absorbed: [GroupID], template: String) {
        self.survivor = survivor
        self.absorbed = absorbed
        self.template = template
    }
}
