import FaultlineCore

/// What a batch says about one fingerprint, with repeated entries for the same fingerprint added up.
///
/// Reports are copied from stage to stage of a transaction (by source, by batch, by fingerprint); what they
/// carry and never change is held once, in ``Details``, so that a copy retains one object instead of each string.
struct FingerprintReport: Sendable {
    /// What a report carries and the transaction never changes.
    final class Details: Sendable {
        let algorithm: Int
        let template: String
        let sourceKind: String
        let severity: String
        let samples: [Batch.Sample]

        init(algorithm: Int, template: String, sourceKind: String, severity: String, samples: [Batch.Sample]) {
            self.algorithm = algorithm
            self.template = template
            self.sourceKind = sourceKind
            self.severity = severity
            self.samples = samples
        }
    }

    var fingerprint: Fingerprint
    private(set) var details: Details
    /// The source identity that went into the fingerprint: journald unit or syslog identifier, or the
    /// file's app label or path. Fingerprints of different sources never share a group.
    var sourceIdentity: String
    var count: Int
    var firstSeen: WireTimestamp
    var lastSeen: WireTimestamp

    var algorithm: Int { details.algorithm }
    var template: String { details.template }
    var sourceKind: String { details.sourceKind }
    /// The most severe of the batch's entries for the fingerprint.
    var severity: String { details.severity }
    var samples: [Batch.Sample] { details.samples }

    /// The reports of a validated batch, in the order their fingerprints first appear in it.
    static func reports(in batch: Batch) -> [FingerprintReport] {
        var reports: [FingerprintReport] = []
        var indexOf: [Fingerprint: Int] = [:]
        for group in batch.groups {
            guard let fingerprint = Fingerprint(hex: group.fingerprint) else { continue }
            if let index = indexOf[fingerprint] {
                reports[index].add(group)
                continue
            }
            indexOf[fingerprint] = reports.count
            reports.append(
                FingerprintReport(
                    fingerprint: fingerprint,
                    details: Details(
                        algorithm: group.algorithm, template: group.template, sourceKind: group.source.kind,
                        severity: group.severity, samples: group.samples),
                    sourceIdentity: identity(of: group.source),
                    count: group.count,
                    firstSeen: group.firstSeen,
                    lastSeen: group.lastSeen))
        }
        return reports
    }

    /// The identity the agent hashes into the fingerprint for `source`.
    static func identity(of source: Batch.Source) -> String {
        switch source.kind {
        case "journald": source.unit ?? source.identifier ?? ""
        default: source.app ?? source.path ?? ""
        }
    }

    /// Adds another entry of the batch for the same fingerprint; the details are made anew.
    private mutating func add(_ group: Batch.Group) {
        count += group.count
        firstSeen = min(firstSeen, group.firstSeen)
        lastSeen = max(lastSeen, group.lastSeen)
        var severity = details.severity
        if let new = Severity(keyword: group.severity), let old = Severity(keyword: severity), new < old {
            severity = group.severity
        }
        details = Details(
            algorithm: details.algorithm, template: details.template, sourceKind: details.sourceKind,
            severity: severity, samples: details.samples + group.samples)
    }
}
