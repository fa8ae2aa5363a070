/// Small fixed word lists the signature algorithm knows: boolean literals, calendar names, units.
///
/// They are general knowledge about log text, not learned from any data set; changing them changes
/// templates and needs a new ``Fingerprinter/algorithmVersion``. A word is compared packed into a `UInt64`
/// (lower-cased bytes, little-endian, at most 8; "september" and "wednesday" by their first 8), so a
/// lookup is one `switch` on an integer. The lists are spelled out in each function's summary.
enum Words {
    /// The lower-cased bytes of `bytes[start..<end]` packed little-endian; `nil` when empty or longer than
    /// 8 bytes (9-letter words ending in `r` or `y` are packed by their first 8, for the calendar names).
    @inline(__always)
    static func packed(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> UInt64? {
        var length = end - start
        if length == 9 {
            let last = ByteClass.lower(bytes[start + 8])
            if last == UInt8(ascii: "r") || last == UInt8(ascii: "y") { length = 8 }
        }
        guard length > 0, length <= 8 else { return nil }
        var value: UInt64 = 0
        for offset in 0..<length {
            value |= UInt64(ByteClass.lower(bytes[start + offset])) << (8 * UInt64(offset))
        }
        return value
    }

    static func isCalendarWord(_ packed: UInt64) -> Bool { isMonth(packed) || isWeekday(packed) }

    /// Whether a word whose first letter is a calendar word's can be one, by its second and third bytes: every
    /// month and weekday name starts like its three-letter abbreviation (`jan` ... `dec`, `mon` ... `sun`).
    @inline(__always) static func isCalendarPrefix(_ second: UInt8, _ third: UInt8) -> Bool {
        // Setting bit 5 lower-cases a letter and makes no other byte one.
        switch UInt16(second | 0x20) << 8 | UInt16(third | 0x20) {
        case 0x616e, 0x6562, 0x6172, 0x7072, 0x6179, 0x756e, 0x756c, 0x7567, 0x6570, 0x6374, 0x6f76, 0x6563,
            0x6f6e, 0x7565, 0x6564, 0x6875, 0x7269, 0x6174:
            true  // an eb ar pr ay un ul ug ep ct ov ec on ue ed hu ri at
        default: false
        }
    }

    /// true, false, null, nil, none
    static func isBoolean(_ packed: UInt64) -> Bool {
        switch packed {
        case 0x6575_7274, 0x65_736c_6166, 0x6c6c_756e, 0x6c696e, 0x656e_6f6e: true
        default: false
        }
    }

    /// jan, feb, mar, apr, may, jun, jul, aug, sep, sept, oct, nov, dec, january, february, march, april, june, july, august, septembe, october, november, december
    static func isMonth(_ packed: UInt64) -> Bool {
        switch packed {
        case 0x6e616a, 0x626566, 0x72616d, 0x727061, 0x79616d, 0x6e756a, 0x6c756a, 0x677561, 0x706573,
            0x7470_6573, 0x74636f, 0x766f6e, 0x636564, 0x79_7261_756e_616a, 0x7972_6175_7262_6566, 0x68_6372_616d,
            0x6c_6972_7061, 0x656e_756a, 0x796c_756a, 0x7473_7567_7561, 0x6562_6d65_7470_6573, 0x72_6562_6f74_636f,
            0x7265_626d_6576_6f6e, 0x7265_626d_6563_6564:
            true
        default: false
        }
    }

    /// mon, tue, wed, thu, fri, sat, sun, monday, tuesday, wednesda, thursday, friday, saturday, sunday
    static func isWeekday(_ packed: UInt64) -> Bool {
        switch packed {
        case 0x6e6f6d, 0x657574, 0x646577, 0x756874, 0x697266, 0x746173, 0x6e7573, 0x7961_646e_6f6d,
            0x79_6164_7365_7574, 0x6164_7365_6e64_6577, 0x7961_6473_7275_6874, 0x7961_6469_7266, 0x7961_6472_7574_6173,
            0x7961_646e_7573:
            true
        default: false
        }
    }

    /// ns, us, µs, ms, s, sec, secs, second, seconds, min, mins, minute, minutes, h, hr, hrs, hour, hours, d, day, days
    static func isDuration(_ packed: UInt64) -> Bool {
        switch packed {
        case 0x736e, 0x7375, 0x73b5c2, 0x736d, 0x73, 0x636573, 0x7363_6573, 0x646e_6f63_6573, 0x73_646e_6f63_6573,
            0x6e696d, 0x736e_696d, 0x6574_756e_696d, 0x73_6574_756e_696d, 0x68, 0x7268, 0x737268, 0x7275_6f68,
            0x73_7275_6f68, 0x64, 0x796164, 0x7379_6164:
            true
        default: false
        }
    }

    /// b, kb, mb, gb, tb, pb, kib, mib, gib, tib, bytes, k, m, g
    static func isSize(_ packed: UInt64) -> Bool {
        switch packed {
        case 0x62, 0x626b, 0x626d, 0x6267, 0x6274, 0x6270, 0x62696b, 0x62696d, 0x626967, 0x626974,
            0x73_6574_7962, 0x6b, 0x6d, 0x67:
            true
        default: false
        }
    }
}
