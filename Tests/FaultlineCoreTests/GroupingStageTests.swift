import FaultlineCore
import Testing

/// The grouping stage merges templates that differ only in positions with many values, keeps apart
/// the ones whose differences name what happened, and does not care about arrival order.
@Suite struct GroupingStageTests {
    /// An entry for `message` signed with `source`.
    private func entry(_ message: String, source: String = "sshd") -> GroupingStage.Entry {
        GroupingStage.Entry(Fingerprinter().sign(message, source: source), source: source)
    }

    /// A stage holding `messages` (all of `source`), added one at a time in the given order.
    private func stage(_ messages: [String], source: String = "sshd") -> GroupingStage {
        var stage = GroupingStage()
        for message in messages { stage.add([entry(message, source: source)]) }
        return stage
    }

    /// The group of `message` in `stage`.
    private func group(_ message: String, in stage: GroupingStage, source: String = "sshd") -> GroupID? {
        stage.group(of: entry(message, source: source).fingerprint)
    }

    /// The partition `stage` makes of `messages`: for each message, the set of messages in its group.
    private func partition(_ messages: [String], in stage: GroupingStage) -> Set<Set<String>> {
        var byGroup: [GroupID: Set<String>] = [:]
        for message in messages {
            if let id = group(message, in: stage) { byGroup[id, default: []].insert(message) }
        }
        return Set(byGroup.values)
    }

    // MARK: - What merges

    @Test func userNamesMerge() throws {
        let messages = ["alice", "bob", "carol", "dave"].map { "session closed for user \($0)" }
        let stage = stage(messages)
        let id = try #require(group(messages[0], in: stage))
        for message in messages { #expect(group(message, in: stage) == id) }
        #expect(stage.template(of: id) == "session closed for user <*>")
        #expect(stage.members(of: id) == messages.map { entry($0).fingerprint })
        #expect(stage.groupIDs == [id])
    }

    @Test func twoValuesAreNotYetEvidence() {
        let stage = stage(["session closed for user alice", "session closed for user bob"])
        #expect(group("session closed for user alice", in: stage) != group("session closed for user bob", in: stage))
        #expect(stage.groupIDs.count == 2)
    }

    @Test func emptyAndFilledParenthesesMerge() throws {
        let stage = stage(["job finished ()", "job finished (id7)"])
        let id = try #require(group("job finished ()", in: stage))
        #expect(group("job finished (id7)", in: stage) == id)
        // The position merged, so the template has a plain wildcard there.
        #expect(stage.template(of: id) == "job finished <*>")
    }

    @Test func typedPlaceholdersTheMembersShareStay() throws {
        let messages = ["alice", "bob", "carol"].map { "login by \($0) from 10.0.0.1 failed" }
        let stage = stage(messages)
        let id = try #require(group(messages[0], in: stage))
        #expect(stage.template(of: id) == "login by <*> from <ip> failed")
    }

    // MARK: - What stays apart

    @Test func eventWordsStayApart() {
        let messages = [
            "session opened for user root", "session closed for user root", "session reopened for user root",
            "session failed for user root",
        ]
        let stage = stage(messages)
        #expect(Set(messages.compactMap { group($0, in: stage) }).count == messages.count)
    }

    @Test func httpMethodsStayApart() {
        let messages = ["GET", "POST", "DELETE", "PUT"].map { "request \($0) /api/users rejected" }
        let stage = stage(messages)
        #expect(Set(messages.compactMap { group($0, in: stage) }).count == messages.count)
    }

    @Test func firstTokenDifferencesNeverMerge() {
        let messages = ["alice", "bob", "carol", "dave", "erin"].map { "\($0) logged in" }
        let stage = stage(messages)
        #expect(Set(messages.compactMap { group($0, in: stage) }).count == messages.count)
    }

    @Test func differentSourcesNeverMerge() {
        var stage = GroupingStage()
        let users = ["alice", "bob", "carol", "dave"]
        for (index, user) in users.enumerated() {
            let source = index.isMultiple(of: 2) ? "sshd" : "login"
            stage.add([entry("session closed for user \(user)", source: source)])
        }
        // Each source saw two users only: no merge, in either.
        #expect(stage.groupIDs.count == 4)

        // The same message from two sources: two fingerprints, two groups.
        let sshd = entry("disk full", source: "sshd")
        let cron = entry("disk full", source: "cron")
        stage.add([sshd, cron])
        #expect(stage.group(of: sshd.fingerprint) != stage.group(of: cron.fingerprint))
    }

    @Test func differentLengthsNeverMerge() {
        let messages =
            ["alice", "bob", "carol"].map { "session closed for user \($0)" } + [
                "session closed for user dave now"
            ]
        let stage = stage(messages)
        #expect(group(messages[3], in: stage) != group(messages[0], in: stage))
    }

    // MARK: - Order and merges

    /// Messages of several kinds: some merge, some stay apart.
    static let mixed: [String] =
        ["alice", "bob", "carol", "dave"].map { "session closed for user \($0)" }
        + ["session opened for user root", "session closed for user root"]
        + ["GET", "POST", "DELETE"].map { "request \($0) /api/users rejected" }
        + ["orders", "invoices", "customers"].map { "vacuum of table \($0) done" }
        + ["job finished ()", "job finished (id7)", "job finished (x9)"]
        + ["alice", "bob", "carol"].map { "\($0) logged in" }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func arrivalOrderDoesNotChangeThePartition(seed: UInt64) {
        let expected = partition(Self.mixed, in: stage(Self.mixed))
        var random = HostileInputTests.SplitMix64(seed: seed)
        let shuffled = Self.mixed.shuffled(using: &random)
        #expect(partition(Self.mixed, in: stage(shuffled)) == expected)

        // All at once, in one `add`, gives the same partition too.
        var batch = GroupingStage()
        batch.add(shuffled.map { entry($0) })
        #expect(partition(Self.mixed, in: batch) == expected)
    }

    @Test func mixedPartitionIsTheExpectedOne() {
        let expected: Set<Set<String>> = [
            Set(["alice", "bob", "carol", "dave", "root"].map { "session closed for user \($0)" }),
            ["session opened for user root"],
            ["request GET /api/users rejected"], ["request POST /api/users rejected"],
            ["request DELETE /api/users rejected"],
            Set(["orders", "invoices", "customers"].map { "vacuum of table \($0) done" }),
            ["job finished ()", "job finished (id7)", "job finished (x9)"],
            ["alice logged in"], ["bob logged in"], ["carol logged in"],
        ]
        #expect(partition(Self.mixed, in: stage(Self.mixed)) == expected)
    }

    @Test func thirdValueMergesIntoTheOldestGroup() throws {
        var stage = GroupingStage()
        let alice = entry("session closed for user alice")
        let bob = entry("session closed for user bob")
        let carol = entry("session closed for user carol")

        #expect(stage.add([alice]) == [])
        #expect(stage.add([bob]) == [])
        #expect(stage.group(of: alice.fingerprint) == GroupID(founder: alice.fingerprint))
        #expect(stage.group(of: bob.fingerprint) == GroupID(founder: bob.fingerprint))

        let merges = stage.add([carol])
        let survivor = GroupID(founder: alice.fingerprint)
        #expect(
            merges == [
                GroupMerge(
                    survivor: survivor,
                    absorbed: [GroupID(founder: bob.fingerprint), GroupID(founder: carol.fingerprint)],
                    template: "session closed for user <*>"
                )
            ]
        )
        #expect(stage.group(of: bob.fingerprint) == survivor)
        #expect(stage.group(of: carol.fingerprint) == survivor)
        #expect(stage.template(of: survivor) == "session closed for user <*>")
        #expect(stage.template(of: GroupID(founder: bob.fingerprint)) == nil)
        #expect(stage.members(of: survivor) == [alice.fingerprint, bob.fingerprint, carol.fingerprint])
        #expect(stage.groupIDs == [survivor])
    }

    @Test func knownFingerprintsAreIgnoredAndANewMemberIsAbsorbed() throws {
        var stage = stage(["alice", "bob", "carol"].map { "session closed for user \($0)" })
        let survivor = try #require(group("session closed for user alice", in: stage))
        #expect(stage.add([entry("session closed for user bob")]) == [])
        #expect(stage.members(of: survivor).count == 3)

        // A new value founds its own group, which the next clustering absorbs at once.
        let dave = entry("session closed for user dave")
        #expect(
            stage.add([dave]) == [
                GroupMerge(
                    survivor: survivor, absorbed: [GroupID(founder: dave.fingerprint)],
                    template: "session closed for user <*>"
                )
            ]
        )
        #expect(stage.group(of: dave.fingerprint) == survivor)
        #expect(stage.members(of: survivor).count == 4)
    }

    @Test func unknownFingerprintHasNoGroup() {
        let stage = GroupingStage()
        #expect(stage.group(of: Fingerprint(rawValue: 42)) == nil)
        #expect(stage.members(of: GroupID(founder: Fingerprint(rawValue: 42))) == [])
    }
}
