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

    /// The stage of `source` at `revision`, if the cache has exactly that one.
    func stage(for source: String, revision: Int64) -> GroupingStage? {
        entries.withLock { entries in
            guard let entry = entries[source], entry.revision == revision else { return nil }
            return entry.stage
        }
    }

    /// Keeps `stage` as the state of `source` at `revision`, unless a newer revision is cached already.
    func store(_ stage: GroupingStage, for source: String, revision: Int64) {
        entries.withLock { entries in
            if let entry = entries[source], entry.revision > revision { return }
            entries[source] = Entry(revision: revision, stage: stage)
        }
    }

    /// Forgets every stage.
    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
