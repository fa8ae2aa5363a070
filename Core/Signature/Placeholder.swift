/// The typed placeholders that replace the variable parts of a message in a template.
///
/// The names are part of the algorithm: changing one changes fingerprints, so it needs a new
/// ``Fingerprinter/algorithmVersion``.
public enum Placeholder: UInt8, CaseIterable, Sendable {
    case number, hex, uuid, ip, path, time, duration, size, email, url, quoted, bool, any

    /// The text written into templates, such as `<num>`.
    public var text: String { staticText.description }

    /// ``text`` without an allocation, for the hot path.
    @inline(__always) var staticText: StaticString {
        switch self {
        case .number: "<num>"
        case .hex: "<hex>"
        case .uuid: "<uuid>"
        case .ip: "<ip>"
        case .path: "<path>"
        case .time: "<time>"
        case .duration: "<duration>"
        case .size: "<size>"
        case .email: "<email>"
        case .url: "<url>"
        case .quoted: "<quoted>"
        case .bool: "<bool>"
        case .any: "<*>"
        }
    }

    /// The placeholder whose text is exactly `bytes[start..<end]`, if any.
    static func whole(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Placeholder? {
        let length = end - start
        guard length >= 3, length <= 10, bytes[start] == UInt8(ascii: "<"), bytes[end - 1] == UInt8(ascii: ">"),
            let name = Words.packed(bytes, start + 1, end - 1)
        else { return nil }
        switch name {
        case 0x6d_756e: return .number  // num
        case 0x78_6568: return .hex  // hex
        case 0x6469_7575: return .uuid  // uuid
        case 0x7069: return .ip  // ip
        case 0x6874_6170: return .path  // path
        case 0x656d_6974: return .time  // time
        case 0x6e6f_6974_6172_7564: return .duration  // duration
        case 0x657a_6973: return .size  // size
        case 0x6c_6961_6d65: return .email  // email
        case 0x6c_7275: return .url  // url
        case 0x6465_746f_7571: return .quoted  // quoted
        case 0x6c6f_6f62: return .bool  // bool
        case 0x2a: return .any  // *
        default: return nil
        }
    }
}
