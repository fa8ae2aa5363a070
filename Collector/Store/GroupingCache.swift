import FaultlineCore
import Synchronization

/// The grouping stages of the sources this collector has seen, kept between batches so that a batch need not
/// replay a source's fingerprints from the database.
///
/// Each stage is tagged with the source's `grouping_sources.revision` it reflects. The ingest transaction
/// reads the revision under the source's lock and uses a cached stage only when the revisions match; any
/// other collector that changed the source bumped the revision, so the stage is rebuilt from the database.
/// A stage enters the cache only after its transaction committed.
final class GroupingCache: Sendable {
    private struct Entry {
        var revision: Int64
        var stage: GroupingStage
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// The source each fingerprint was stored under, for fingerprints whose rows were committed: it never
    /// changes once stored.
    private let sources = Mutex<[Fingerprint: String]>([:])

    /// The stored source of each of `fingerprints` known here.
    func sources(of fingerprints: some Sequence<Fingerprint>) -> [Fingerprint: String] {
        sources.withLock { sources in
            var known: [Fingerprint: String] = [:]
            for fingerprint in fingerprints {
                known[fingerprint] = sources[fingerprint]
            }
            return known
        }
    }

    /// Notes the stored source of fingerprints whose rows were committed.
    func storeSources(_ stored: [Fingerprint: String]) {
        guard !stored.isEmpty else { return }
        sources.withLock { $0.merge(stored) { old, _ in old } }
    }

    /// The stage of `source` at `revision`, if the cache has exactly that one.
    func stage(for source: String, revision: Int64) -> GroupingStage? {
        entries.withLock { entries in
            guard let entry = entries[source], entry.revision == revision else { return nil }
            return entry.stage
        }
    }

    /// Whether a stage of `source` is cached, at any revision: then its `grouping_sources` row was committed.
    func hasStage(for source: String) -> Bool {
        entries.withLock { $0[source] != nil }
    }

    /// Keeps `stage` as the state of `source` at `revision`, unless a newer revision is cached already.
    func store(_ stage: GroupingStage, for source: String, revision: Int64) {
        entries.withLock { entries in
            if let entry = entries[source], entry.revision > revision { return }
            entries[source] = Entry(revision: revision, stage: stage)
        }
    }
}
