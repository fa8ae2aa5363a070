/// Writes the template of a single-line message: variables become typed placeholders, constant words stay.
///
/// The message is split at white space and control bytes; each token is classified whole (number, IP,
/// time, ...), else split at `key=value`, brackets, commas and colons and its parts classified; quoted
/// values become `<quoted>`. A last pass joins calendar words and units to the numbers beside them.
/// Bounded work: at most ``maximumTokens`` tokens, tokens over ``maximumTokenLength`` bytes are one
/// variable, and the recursion into a token's parts stops at ``maximumDepth``.
struct LineTemplater {
    static let maximumTokens = 256
    static let maximumTokenLength = 256
    static let maximumDepth = 8
    /// How many tokens ahead a quoted value may close.
    static let maximumQuoteSpan = 64

    /// One emitted token: a range of `scratch`; or, once the last pass set `placeholder`, that placeholder
    /// followed by the punctuation in that range.
    struct Piece {
        var start: Int
        var end: Int
        var placeholder: Placeholder?
        /// The placeholder the piece's text is, whole, when it is one.
        var whole: Placeholder?
        /// Whether the piece's text is a month or weekday name, maybe followed by commas.
        var isCalendarWord = false
        var removed = false
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let classifier: TokenClassifier
    /// The tokens, masked, joined by single spaces.
    private var scratch: ScratchBytes
    /// The template, when the last pass changed pieces.
    private var output: ScratchBytes
    private var pieces: PieceBuffer
    /// Whether a piece is, whole, `<num>`.
    private var hasNumber = false
    /// Whether a piece is, whole, `<time>`.
    private var hasTime = false
    /// Whether a piece is a calendar word.
    private var hasCalendarWord = false
    /// The placeholder written last and where its text is in `scratch`, until `scratch` is cut shorter: a
    /// piece that is that text is that placeholder, whole.
    private var lastPlaceholder: (placeholder: Placeholder, start: Int, end: Int)? = nil

    /// Creates a templater over `bytes` that works in the memory of `buffers`.
    private init(_ bytes: UnsafeBufferPointer<UInt8>, buffers: SigningWorkspace.Buffers) {
        self.bytes = bytes
        self.classifier = TokenClassifier(bytes: bytes)
        self.scratch = buffers.scratch
        self.output = buffers.output
        self.pieces = PieceBuffer(storage: buffers.pieces)
    }

    /// Runs `body` with a templater over `bytes` that works in the memory of `buffers`.
    static func with<Result>(
        _ bytes: UnsafeBufferPointer<UInt8>,
        buffers: inout SigningWorkspace.Buffers,
        _ body: (inout LineTemplater) -> Result
    ) -> Result {
        var templater = LineTemplater(bytes, buffers: buffers)
        let result = body(&templater)
        // Growing a buffer moved it: the buffers keep the memory the templater ends with.
        buffers.scratch = templater.scratch
        buffers.output = templater.output
        return result
    }

    /// Runs `body` with a templater over `bytes` that works in memory of its own, freed after the call.
    static func with<Result>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (inout LineTemplater) -> Result) -> Result {
        var buffers = SigningWorkspace.Buffers()
        defer { buffers.deallocate() }
        return with(bytes, buffers: &buffers, body)
    }

    /// A fixed-capacity list of pieces over borrowed storage: no allocation per line.
    struct PieceBuffer: RandomAccessCollection, MutableCollection {
        private let storage: UnsafeMutablePointer<Piece>
        private(set) var count = 0

        init(storage: UnsafeMutablePointer<Piece>) {
            self.storage = storage
        }

        var startIndex: Int { 0 }
        var endIndex: Int { count }

        subscript(index: Int) -> Piece {
            @inline(__always) get { storage[index] }
            @inline(__always) nonmutating set { storage[index] = newValue }
        }

        @inline(__always) mutating func append(_ piece: Piece) {
            (storage + count).initialize(to: piece)
            count += 1
        }

        mutating func removeAll() { count = 0 }
    }

    /// Appends the template of `bytes[start..<end]` to `output`, tokens separated by single spaces.
    mutating func write(_ start: Int, _ end: Int, into output: inout [UInt8]) {
        output.append(contentsOf: template(start, end))
    }

    /// The template of `bytes[start..<end]`, tokens separated by single spaces; valid until the templater is
    /// used again.
    mutating func template(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        scratch.count = 0
        lastPlaceholder = nil
        pieces.removeAll()
        hasNumber = false
        hasTime = false
        hasCalendarWord = false
        tokenize(start, end)
        guard joinCalendarAndUnits() else { return scratch.bytes }
        output.count = 0
        emit()
        return output.bytes
    }

    // MARK: - Tokens

    private mutating func tokenize(_ start: Int, _ end: Int) {
        var index = start
        while index < end, pieces.count < Self.maximumTokens {
            while index < end, ByteClass.isSeparator(bytes[index]) { index += 1 }
            guard index < end else { break }
            // One pass finds the token's end and first quote, and the shape `mask` needs.
            let token = classifier.scan(index, end)
            let tokenEnd = token.end
            let quote = token.quote
            if !pieces.isEmpty { scratch.append(UInt8(ascii: " ")) }
            let pieceStart = scratch.count
            if tokenEnd - index > Self.maximumTokenLength {
                // A huge token is data (base64, a dump): one variable, and the template stays small.
                append(.any)
                index = tokenEnd
            } else if quote >= 0, let next = writeQuoted(index, quote, tokenEnd, end) {
                index = next
            } else {
                mask(index, tokenEnd, token, depth: 0)
                index = tokenEnd
            }
            let whole: Placeholder?
            if let last = lastPlaceholder, last.start == pieceStart, last.end == scratch.count {
                whole = last.placeholder
            } else {
                whole = wholePlaceholder(pieceStart, scratch.count)
            }
            if whole == .number {
                hasNumber = true
            } else if whole == .time {
                hasTime = true
            }
            let pieceEnd = scratch.count
            var isCalendar = false
            // Few pieces pass the first tests: the whole test runs for a few words in a hundred.
            if whole == nil, pieceEnd - pieceStart >= 3, pieceEnd - pieceStart <= 10 {
                let text = scratch.base + pieceStart
                let letter = (text[0] | 0x20) &- UInt8(ascii: "a")
                if letter < 26, Self.calendarInitials & (1 << UInt32(letter)) != 0,
                    Words.isCalendarPrefix(text[1], text[2]), isCalendarWord(pieceStart, pieceEnd)
                {
                    isCalendar = true
                    hasCalendarWord = true
                }
            }
            pieces.append(Piece(start: pieceStart, end: pieceEnd, whole: whole, isCalendarWord: isCalendar))
        }
    }

    /// A quoted value (`key="a b"`, `'x'`, `"word"`) becomes `<quoted>`; returns where to continue, or `nil`.
    /// `quote` is the first quote character of the token `bytes[start..<tokenEnd]`.
    private mutating func writeQuoted(_ start: Int, _ quote: Int, _ tokenEnd: Int, _ end: Int) -> Int? {
        let mark = bytes[quote]
        let valuePosition =
            quote > start && (bytes[quote - 1] == UInt8(ascii: "=") || bytes[quote - 1] == UInt8(ascii: ":"))
        var onlyBrackets = true
        for index in start..<quote where !isBracketOpening(bytes[index]) { onlyBrackets = false }
        guard quote == start || valuePosition || onlyBrackets else { return nil }

        // Find the closing quote, in this token or in one of the next few.
        var close = quote + 1
        while close < tokenEnd, bytes[close] != mark { close += 1 }
        var closeTokenEnd = tokenEnd
        var spans = false
        if close == tokenEnd {
            var tokens = 0
            var index = tokenEnd
            close = -1
            while index < end, tokens < Self.maximumQuoteSpan, close < 0 {
                while index < end, ByteClass.isSeparator(bytes[index]) { index += 1 }
                tokens += 1
                while index < end, !ByteClass.isSeparator(bytes[index]) {
                    if bytes[index] == mark, close < 0 { close = index }
                    index += 1
                }
                closeTokenEnd = index
            }
            guard close >= 0 else { return nil }
            spans = true
        }
        guard valuePosition || !spans || mark == UInt8(ascii: "'") else { return nil }

        if quote > start, bytes[quote - 1] == UInt8(ascii: "=") {
            mask(start, quote - 1, depth: 1)
            scratch.append(UInt8(ascii: "="))
        } else {
            copy(start, quote)
        }
        append(.quoted)
        if closeTokenEnd - close > Self.maximumTokenLength {
            append(.any)
        } else if close + 1 < closeTokenEnd {
            mask(close + 1, closeTokenEnd, depth: 1)
        }
        return closeTokenEnd
    }

    /// Whether brackets and punctuation stripped from a token leave its shape as it is: none of them is a
    /// delimiter (nor a colon, which is one), and no stripped byte is a digit, `@` or `=`.
    @inline(__always) private func isNeutral(_ start: Int, _ end: Int) -> Bool {
        var index = start
        while index < end {
            if TokenClassifier.delimiterBit(bytes[index]) != 0 { return false }
            index += 1
        }
        return true
    }

    private func isBracketOpening(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{")
    }

    /// Writes one token (or part of one) with its variables replaced.
    private mutating func mask(_ start: Int, _ end: Int, depth: Int) {
        let part = classifier.scan(start, end)
        assert(part.end == end, "a part of a token holds no separator")
        mask(start, end, part, depth: depth)
    }

    /// ``mask(_:_:depth:)`` for `bytes[start..<end]`, which `token` describes.
    private mutating func mask(_ start: Int, _ end: Int, _ token: TokenClassifier.Scan, depth: Int) {
        guard start < end else { return }
        if token.punctuation == 0 {
            maskPlain(start, end, digits: token.shape.digits, depth: depth)
            return
        }
        let (coreStart, coreEnd) = core(start, end)
        guard coreStart < coreEnd else {
            copy(start, end)
            return
        }
        copy(start, coreStart)
        // What is stripped is punctuation: when that is all of it, as in `word:` or `(42),`, the core is plain.
        if token.punctuation == coreStart - start + end - coreEnd {
            maskPlain(coreStart, coreEnd, digits: token.shape.digits, depth: depth)
        } else if isNeutral(start, coreStart), isNeutral(coreEnd, end) {
            maskCore(coreStart, coreEnd, token.shape, depth: depth)
        } else {
            maskCore(coreStart, coreEnd, classifier.shape(coreStart, coreEnd), depth: depth)
        }
        copy(coreEnd, end)
    }

    /// ``maskCore(_:_:_:depth:)`` for letters (or non-ASCII bytes) and digits alone, `digits` of them digits.
    @inline(__always) private mutating func maskPlain(_ start: Int, _ end: Int, digits: Int, depth: Int) {
        if digits == end - start {
            // Too many digits for a time or an IPv4 part, and no `0x`: a number.
            append(.number)
        } else if digits > 0 {
            maskCore(start, end, TokenClassifier.Shape(digits: digits), depth: depth)
        } else if end - start >= 3, end - start <= 5, classifier.isBool(start, end) {
            append(.bool)
        } else {
            // No digit, no punctuation: no other class, nothing to split.
            copy(start, end)
        }
    }

    /// `bytes[start..<end]` without the brackets and quotes that open it and the punctuation that closes it.
    @inline(__always) private func core(_ start: Int, _ end: Int) -> (start: Int, end: Int) {
        var coreStart = start
        while coreStart < end, ByteClass.isOpening(bytes[coreStart]) { coreStart += 1 }
        var coreEnd = end
        while coreEnd > coreStart, ByteClass.isClosing(bytes[coreEnd - 1]) { coreEnd -= 1 }
        return (coreStart, coreEnd)
    }

    /// Writes the core of a token (or of a part of one), whose shape is `shape`, with its variables replaced.
    private mutating func maskCore(_ coreStart: Int, _ coreEnd: Int, _ shape: TokenClassifier.Shape, depth: Int) {
        if let placeholder = classifier.classify(coreStart, coreEnd, shape) {
            append(placeholder)
            return
        }
        if depth < Self.maximumDepth {
            if let equals = shape.firstEquals, equals > coreStart {
                mask(coreStart, equals, depth: depth + 1)
                scratch.append(UInt8(ascii: "="))
                if equals + 1 < coreEnd {
                    let mark = scratch.count
                    mask(equals + 1, coreEnd, depth: depth + 1)
                    if unchanged(since: mark, equals + 1, coreEnd) {
                        truncate(to: mark)
                        append(.any)
                    }
                }
                return
            }
            if shape.delimiters != 0 {
                split(
                    coreStart, coreEnd, at: Self.delimiters.utf8Start[shape.delimiters.trailingZeroBitCount],
                    depth: depth
                )
                return
            }
        }
        if shape.digits > 0 {
            append(.any)
        } else {
            copy(coreStart, coreEnd)
        }
    }

    /// Split points tried in order (``TokenClassifier/delimiterBit(_:)`` numbers them); the colon comes last
    /// so that times and addresses are seen whole first.
    private static var delimiters: StaticString { ",;|([{}])\":" }

    /// Writes the parts of `bytes[start..<end]` separated by `delimiter`; repeated placeholders in a comma
    /// list collapse into one, so that lists of any length give one template.
    private mutating func split(_ start: Int, _ end: Int, at delimiter: UInt8, depth: Int) {
        var partStart = start
        var previous: (start: Int, end: Int)? = nil
        while true {
            let partEnd = find(delimiter, partStart, end) ?? end
            let mark = scratch.count
            mask(partStart, partEnd, depth: depth + 1)
            if delimiter == UInt8(ascii: ","), let last = previous, isSinglePlaceholder(mark, scratch.count),
                last.end - last.start == scratch.count - mark,
                scratch.equals(mark, scratch.base + last.start, count: last.end - last.start)
            {
                truncate(to: mark - 1)
            } else {
                previous = (mark, scratch.count)
            }
            guard partEnd < end else { break }
            scratch.append(delimiter)
            partStart = partEnd + 1
        }
    }

    // MARK: - Calendar words and units

    /// `Jul 3` → `<time>`, `5 MB` → `<size>`, `10 ms` → `<duration>`, then `<time> <num>` runs fold into one.
    /// Returns whether any piece changed.
    private mutating func joinCalendarAndUnits() -> Bool {
        // Calendar words join numbers and times, units follow numbers, and runs fold around times: each pass
        // runs only when what it looks for is there.
        guard hasCalendarWord || hasNumber || hasTime else { return false }
        var changed = false
        if hasCalendarWord {
            for index in pieces.indices where pieces[index].isCalendarWord {
                let before = index > 0 && (isTimeOrNumber(index - 1) || isMonth(index - 1))
                let after = index + 1 < pieces.count && (isTimeOrNumber(index + 1) || isMonth(index + 1))
                if before || after {
                    pieces[index].placeholder = .time
                    pieces[index].start = pieces[index].end
                    changed = true
                }
            }
        }
        let hasTime = hasTime || changed
        var index = 1
        while hasNumber, index < pieces.count {
            if placeholder(of: index - 1) == .number, pieces[index].placeholder == nil {
                var unitEnd = pieces[index].end
                while unitEnd > pieces[index].start, isUnitTrailer(scratch[unitEnd - 1]) { unitEnd -= 1 }
                var unit: Placeholder? = nil
                if let word = Words.packed(scratch.base, pieces[index].start, unitEnd) {
                    if Words.isSize(word) {
                        unit = .size
                    } else if Words.isDuration(word) {
                        unit = .duration
                    }
                }
                if let unit {
                    pieces[index - 1].placeholder = unit
                    // The unit's trailing punctuation stays, attached to the placeholder.
                    pieces[index - 1].start = unitEnd
                    pieces[index - 1].end = pieces[index].end
                    pieces[index].removed = true
                    changed = true
                    index += 2
                    continue
                }
            }
            index += 1
        }
        guard hasTime else { return changed }
        var last: Int? = nil
        for index in pieces.indices where !pieces[index].removed {
            let current = placeholder(of: index)
            if let previous = last, placeholder(of: previous) == .time, current == .time || current == .number {
                pieces[index].removed = true
                changed = true
                continue
            }
            if let previous = last, placeholder(of: previous) == .number, current == .time {
                pieces[previous].removed = true
                changed = true
            }
            last = index
        }
        return changed
    }

    private func isUnitTrailer(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ")")
    }

    /// The placeholder a piece is exactly (nothing attached), set by the last pass or written whole.
    private func placeholder(of index: Int) -> Placeholder? {
        let piece = pieces[index]
        if let placeholder = piece.placeholder { return piece.start == piece.end ? placeholder : nil }
        return piece.whole
    }

    private func isTimeOrNumber(_ index: Int) -> Bool {
        let piece = pieces[index]
        if piece.placeholder == .time { return true }
        if piece.placeholder != nil || scratch[piece.start] != UInt8(ascii: "<") { return false }
        let placeholder = piece.whole ?? wholePlaceholder(piece.start, trimmingComma(piece.start, piece.end))
        return placeholder == .number || placeholder == .time
    }

    /// The first letters of calendar words, `a d f j m n o s t w`, as bits by distance from `a` (setting bit 5
    /// of a byte lower-cases a letter and turns no other byte into one).
    private static let calendarInitials: UInt32 =
        1 << 0 | 1 << 3 | 1 << 5 | 1 << 9 | 1 << 12 | 1 << 13 | 1 << 14
        | 1 << 18 | 1 << 19 | 1 << 22

    /// Whether `scratch[start..<end]` (3 to 10 bytes) is a month or weekday name, maybe followed by commas.
    private func isCalendarWord(_ start: Int, _ end: Int) -> Bool {
        Words.packed(scratch.base, start, trimmingComma(start, end)).map(Words.isCalendarWord) ?? false
    }

    private func isMonth(_ index: Int) -> Bool {
        let piece = pieces[index]
        guard piece.placeholder == nil, piece.end - piece.start >= 3 else { return false }
        let end = trimmingComma(piece.start, piece.end)
        return Words.packed(scratch.base, piece.start, end).map(Words.isMonth) ?? false
    }

    private func trimmingComma(_ start: Int, _ end: Int) -> Int {
        var end = end
        while end > start, scratch[end - 1] == UInt8(ascii: ",") { end -= 1 }
        return end
    }

    @inline(__always) private func wholePlaceholder(_ start: Int, _ end: Int) -> Placeholder? {
        guard end - start >= 3, scratch[start] == UInt8(ascii: "<") else { return nil }
        return Placeholder.whole(scratch.base, start, end)
    }

    private func isSinglePlaceholder(_ start: Int, _ end: Int) -> Bool { wholePlaceholder(start, end) != nil }

    // MARK: - Output

    private mutating func emit() {
        var first = true
        for piece in pieces where !piece.removed {
            if !first { output.append(UInt8(ascii: " ")) }
            first = false
            // A placeholder set by the last pass is followed by the punctuation kept in `start..<end`.
            if let placeholder = piece.placeholder {
                output.append(placeholder.staticText)
            }
            output.append(scratch.base + piece.start, count: piece.end - piece.start)
        }
    }

    // MARK: - Bytes

    private func find(_ byte: UInt8, _ start: Int, _ end: Int) -> Int? {
        var index = start
        while index < end {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    private func unchanged(since mark: Int, _ start: Int, _ end: Int) -> Bool {
        scratch.count - mark == end - start && scratch.equals(mark, bytes.baseAddress! + start, count: end - start)
    }

    @inline(__always) private mutating func copy(_ start: Int, _ end: Int) {
        if start < end { scratch.append(bytes.baseAddress! + start, count: end - start) }
    }

    @inline(__always) private mutating func append(_ placeholder: Placeholder) {
        let start = scratch.count
        scratch.append(placeholder.staticText)
        lastPlaceholder = (placeholder, start, scratch.count)
    }

    /// Drops the bytes of `scratch` from `count` on.
    private mutating func truncate(to count: Int) {
        scratch.count = count
        lastPlaceholder = nil
    }
}
