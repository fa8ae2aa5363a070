/// Decodes a datagram of journald's native protocol, as `sd_journal_sendv` writes it: `NAME=value\n` for a
/// plain field, `NAME\n` + 64-bit little-endian length + bytes + `\n` for a value with newlines or other bytes.
enum JournalNativeDatagram {
    /// The datagram does not follow the protocol.
    struct MalformedDatagram: Error {}

    /// The fields in the order they were sent; a name may repeat.
    static func fields(of datagram: [UInt8]) throws -> [(name: String, value: [UInt8])] {
        var fields: [(name: String, value: [UInt8])] = []
        var index = 0
        let newline = UInt8(ascii: "\n")
        while index < datagram.count {
            guard let lineEnd = datagram[index...].firstIndex(of: newline) else { throw MalformedDatagram() }
            let line = datagram[index..<lineEnd]
            if let equals = line.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(decoding: line[..<equals], as: UTF8.self)
                fields.append((name, Array(line[(equals + 1)...])))
                index = lineEnd + 1
            } else {
                let name = String(decoding: line, as: UTF8.self)
                let lengthStart = lineEnd + 1
                guard lengthStart + 8 <= datagram.count else { throw MalformedDatagram() }
                let length = datagram[lengthStart..<lengthStart + 8].reversed().reduce(0) { $0 << 8 | Int($1) }
                let valueStart = lengthStart + 8
                guard valueStart + length < datagram.count, datagram[valueStart + length] == newline else {
                    throw MalformedDatagram()
                }
                fields.append((name, Array(datagram[valueStart..<valueStart + length])))
                index = valueStart + length + 1
            }
        }
        return fields
    }
}
