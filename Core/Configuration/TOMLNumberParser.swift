/// Reads TOML integers and floats from the bytes of an unquoted value.
enum TOMLNumberParser {
    /// Why a token is not a number, phrased to follow "invalid number 'x': ".
    struct Problem: Error {
        /// What is wrong, for the operator.
        var reason: String
    }

    private static let examples = "write it like 42, -17, 1_000, 0x1F, 3.14 or 5e-3"

    /// The number `token` spells: decimal integers with `_` between digits, `0x`/`0o`/`0b`
    /// integers, and floats with a fraction and/or an exponent. `token` is not empty.
    static func parse(_ token: [UInt8]) throws(Problem) -> TOMLValue.Content {
        var index = 0
        var isNegative = false
        if token[0] == UInt8(ascii: "+") || token[0] == UInt8(ascii: "-") {
            isNegative = token[0] == UInt8(ascii: "-")
            index = 1
        }
        if index + 1 < token.count, token[index] == UInt8(ascii: "0"), let radix = radix(prefix: token[index + 1]) {
            guard index == 0 else {
                throw Problem(reason: "a sign is not allowed before 0x, 0o or 0b")
            }
            var end = 2
            guard scanDigits(token, from: &end, radix: radix), end == token.count else {
                throw Problem(reason: examples)
            }
            return .integer(try integer(token[2...], radix: radix, isNegative: false))
        }

        let integerStart = index
        guard scanDigits(token, from: &index, radix: 10) else {
            throw Problem(reason: examples)
        }
        let integerPart = token[integerStart..<index]
        if integerPart.count > 1, integerPart.first == UInt8(ascii: "0") {
            throw Problem(reason: "leading zeros are not allowed")
        }
        var isFloat = false
        if index < token.count, token[index] == UInt8(ascii: ".") {
            index += 1
            guard scanDigits(token, from: &index, radix: 10) else {
                throw Problem(reason: examples)
            }
            isFloat = true
        }
        if index < token.count, token[index] == UInt8(ascii: "e") || token[index] == UInt8(ascii: "E") {
            index += 1
            if index < token.count, token[index] == UInt8(ascii: "+") || token[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard scanDigits(token, from: &index, radix: 10) else {
                throw Problem(reason: examples)
            }
            isFloat = true
        }
        guard index == token.count else {
            throw Problem(reason: examples)
        }
        if isFloat {
            let digits = token.filter { $0 != UInt8(ascii: "_") }
            guard let value = Double(String(decoding: digits, as: UTF8.self)) else {
                throw Problem(reason: examples)
            }
            return .float(value)
        }
        return .integer(try integer(integerPart, radix: 10, isNegative: isNegative))
    }

    private static func radix(prefix: UInt8) -> Int? {
        switch prefix {
        case UInt8(ascii: "x"): 16
        case UInt8(ascii: "o"): 8
        case UInt8(ascii: "b"): 2
        default: nil
        }
    }

    private static func digitValue(_ byte: UInt8, radix: Int) -> Int? {
        let value: Int
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
        default: return nil
        }
        return value < radix ? value : nil
    }

    /// Advances over digits with single underscores between them; `false` if there is no digit or
    /// an underscore is not between two digits.
    private static func scanDigits(_ token: [UInt8], from index: inout Int, radix: Int) -> Bool {
        let start = index
        var previousWasDigit = false
        while index < token.count {
            if digitValue(token[index], radix: radix) != nil {
                previousWasDigit = true
            } else if token[index] == UInt8(ascii: "_"), previousWasDigit {
                previousWasDigit = false
            } else if token[index] == UInt8(ascii: "_") {
                return false
            } else {
                break
            }
            index += 1
        }
        return index > start && previousWasDigit
    }

    /// The value of already-validated digits (underscores allowed), or a range problem.
    private static func integer(_ digits: ArraySlice<UInt8>, radix: Int, isNegative: Bool) throws(Problem) -> Int {
        var value = 0
        for byte in digits where byte != UInt8(ascii: "_") {
            let digit = digitValue(byte, radix: radix) ?? 0
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: radix)
            // Negative numbers are accumulated downwards so that Int.min is reachable.
            let (next, overflowAdd) =
                isNegative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflowShift, !overflowAdd else {
                throw Problem(reason: "it does not fit in a 64-bit integer")
            }
            value = next
        }
        return value
    }
}
