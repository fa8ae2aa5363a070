import FaultlineCore

/// Renders a scan's results as a table, a JSON document, or JSON Lines. Everything that came from the
/// input is escaped: for the terminal, control characters become visible; in JSON, per RFC 8259.
public enum ScanReport {
    /// A table: count, group, fingerprint, template, then the source (when there is one) and the first sample
    /// on lines of their own.
    public static func table(_ groups: [Scanner.Group]) -> String {
        guard !groups.isEmpty else { return "no error lines found\n" }
        var text = "COUNT    GROUP             FINGERPRINT       TEMPLATE\n"
        for group in groups {
            let count = String(group.count)
            let more = group.fingerprints.count > 1 ? " (+\(group.fingerprints.count - 1))" : ""
            text += String(repeating: " ", count: max(0, 7 - count.count)) + count + "  "
            text += "\(group.id)  \(group.fingerprints[0])\(more)  \(EscapedText.terminal(group.template))\n"
            if !group.source.isEmpty {
                text += "         source: \(EscapedText.terminal(group.source))\n"
            }
            text += "         sample: \(EscapedText.terminal(String(group.sample.prefix(500))))\n"
        }
        return text
    }

    /// A JSON array of groups.
    public static func json(_ groups: [Scanner.Group]) -> String {
        var output: [UInt8] = Array("[".utf8)
        for (index, group) in groups.enumerated() {
            output += Array((index == 0 ? "\n" : ",\n").utf8)
            output += Array("  {\"count\": \(group.count), \"group\": \"\(group.id)\", \"fingerprints\": [".utf8)
            output += Array(group.fingerprints.map { "\"\($0)\"" }.joined(separator: ", ").utf8)
            output += Array("], \"severity\": ".utf8)
            if let severity = group.severity {
                output += Array("\"\(severity)\"".utf8)
            } else {
                output += Array("null".utf8)
            }
            output += Array(", \"source\": ".utf8)
            EscapedText.appendJSON(group.source, to: &output)
            output += Array(", \"template\": ".utf8)
            EscapedText.appendJSON(group.template, to: &output)
            output += Array(", \"sample\": ".utf8)
            EscapedText.appendJSON(group.sample, to: &output)
            output.append(UInt8(ascii: "}"))
        }
        output += Array("\n]\n".utf8)
        return String(decoding: output, as: UTF8.self)
    }

    /// One JSON object per line record: `{"line": N, "fingerprint": "...", "group": "...", "template": "..."}`.
    public static func jsonLines(_ records: [Scanner.LineRecord], into write: (String) -> Void) {
        var output: [UInt8] = []
        output.reserveCapacity(256 * 1024)
        for record in records {
            output += Array("{\"line\": \(record.line), \"fingerprint\": \"\(record.fingerprint)\", ".utf8)
            output += Array("\"group\": \"\(record.group)\", \"template\": ".utf8)
            EscapedText.appendJSON(record.template, to: &output)
            output += Array("}\n".utf8)
            if output.count > 200 * 1024 {
                write(String(decoding: output, as: UTF8.self))
                output.removeAll(keepingCapacity: true)
            }
        }
        write(String(decoding: output, as: UTF8.self))
    }
}
