import FaultlineCore
import Synchronization

/// When each fingerprint's samples were last written, so that a fingerprint reported in every batch gets
/// fresh samples once per refresh interval rather than with every batch.
///
/// Samples are evidence for a person reading a ticket: the newest few lines, with their hosts and cursors.
/// Rewriting them with every batch of a busy error costs an insert and a delete per line for nothing a
/// reader can see, and was most of the ingest time. A new fingerprint always gets its samples; after that a
/// fingerprint's samples are replaced by newer ones once `interval` has passed since they were written. The
/// schedule is per collector and starts empty, so a restart (or another collector) writes fresh samples.
final class SampleSchedule: Sendable {
    /// How long written samples stay before newer ones replace them; zero writes them with every batch.
    let interval: Duration

    private let lastWritten = Mutex<[Fingerprint: Int64]>([:])

    init(interval: Duration) {
        self.interval = interval
    }

    /// Whether `fingerprint`'s samples should be written for batches received at `now`.
    func isDue(_ fingerprint: Fingerprint, at now: WireTimestamp) -> Bool {
        guard interval > .zero else { return true }
        return lastWritten.withLock { lastWritten in
            guard let written = lastWritten[fingerprint] else { return true }
            return now.microseconds - written >= interval.microseconds || now.microseconds < written
        }
    }

    /// Notes that the samples of `fingerprints` were written (and committed) for batches received at `now`.
    func written(_ fingerprints: [Fingerprint], at now: WireTimestamp) {
        guard interval > .zero, !fingerprints.isEmpty else { return }
        lastWritten.withLock { lastWritten in
            // Entries past the interval say nothing any more: drop them before the map outgrows its use.
            if lastWritten.count > 4 * max(1024, fingerprints.count) {
                lastWritten = lastWritten.filter { now.microseconds - $0.value < interval.microseconds }
            }
            for fingerprint in fingerprints {
                lastWritten[fingerprint] = now.microseconds
            }
        }
    }
}
