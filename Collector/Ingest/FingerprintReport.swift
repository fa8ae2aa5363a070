import FaultlineCore

/// What a batch says about one fingerprint, with repeated entries for the same fingerprint added up.
struct FingerprintReport: Sendable {
    var fingerprint: Fingerprint
    var algorithm: Int
    var template: String
    var sourceKind: String
    /// The source identity that went into the fingerprint: journald unit or syslog identifier, or the
    /// file's app label or path. Fingerprints of different sources never share a group.
    var sourceIdentity: String
    var severity: String
    var count: Int
    var firstSeen: WireTimestamp
    var lastSeen: WireTimestamp
    var samples: [Batch.Sample]

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
                    algorithm: group.algorithm,
                    template: group.template,
                    sourceKind: group.source.kind,
                    sourceIdentity: identity(of: group.source),
                    severity: group.severity,
                    count: group.count,
                    firstSeen: group.firstSeen,
                    lastSeen: group.lastSeen,
                    samples: group.samples
                ))
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

    private mutating func add(_ group: Batch.Group) {
        count += group.count
        firstSeen = min(firstSeen, group.firstSeen)
        lastSeen = max(lastSeen, group.lastSeen)
        samples += group.samples
        if let new = Severity(keyword: group.severity), let old = Severity(keyword: severity), new < old {
            severity = group.severity
        }
    }
}
