import Testing

@testable import FaultlineCore

/// Parses `text` as `test.toml`.
private func parse(_ text: String) throws(ConfigurationError) -> TOMLTable {
    try TOMLDocument(parsing: text, fileName: "test.toml").root
}

/// The error message for `text`, or `nil` (and a recorded issue) when it parses.
private func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    do {
        _ = try parse(text)
        Issue.record("expected a parse error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error.description
    }
}

/// Follows dotted `path` through tables (and `#n` through arrays) and returns the value.
private func value(_ table: TOMLTable, _ path: String) -> TOMLValue? {
    var current = TOMLValue(.table(table))
    for step in path.split(separator: ".") {
        if step.hasPrefix("#"), let index = Int(step.dropFirst()) {
            guard let elements = current.arrayValue, index < elements.count else { return nil }
            current = elements[index]
        } else {
            guard let next = current.tableValue?[String(step)] else { return nil }
            current = next
        }
    }
    return current
}

@Suite struct TOMLParserTests {
    // MARK: - Grammar

    @Test func commentsBlankLinesAndCRLF() throws {
        let table = try parse("# heading\r\n\r\n  a = 1 # trailing\r\n\t# indented\nb = 2\n# no newline at end")
        #expect(table.keys == ["a", "b"])
        #expect(table["a"]?.integerValue == 1)
        #expect(table["b"]?.integerValue == 2)
    }

    @Test func emptyAndBlankDocuments() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("\n\n   \n# only a comment").isEmpty)
        #expect(try parse("\u{FEFF}a = 1")["a"]?.integerValue == 1)
    }

    @Test func bareQuotedAndDottedKeys() throws {
        let table = try parse(
            """
            bare_key-1 = 1
            1234 = 2
            "quoted key" = 3
            'literal "key"' = 4
            "" = 5
            "tab\\tkey" = 6
            site . "google.com" . path = 7
            3.14 = 8
            """
        )
        #expect(table["bare_key-1"]?.integerValue == 1)
        #expect(table["1234"]?.integerValue == 2)
        #expect(table["quoted key"]?.integerValue == 3)
        #expect(table["literal \"key\""]?.integerValue == 4)
        #expect(table[""]?.integerValue == 5)
        #expect(table["tab\tkey"]?.integerValue == 6)
        #expect(table["site"]?.tableValue?["google.com"]?.tableValue?["path"]?.integerValue == 7)
        #expect(value(table, "3.14")?.integerValue == 8)
    }

    @Test func dottedKeysBuildTablesTogether() throws {
        let table = try parse(
            """
            fruit.apple.color = "red"
            fruit.apple.taste.sweet = true
            fruit.orange = 2
            """
        )
        #expect(value(table, "fruit.apple.color")?.stringValue == "red")
        #expect(value(table, "fruit.apple.taste.sweet")?.booleanValue == true)
        #expect(value(table, "fruit.orange")?.integerValue == 2)
    }

    @Test func tableHeaders() throws {
        let table = try parse(
            """
            title = "top"

            [agent]
            host = "web-1"

            [ spool . limits ]
            max_bytes = 10

            [spool]
            path = "/tmp/x"

            [dog."tater.man"]
            type = "pug"

            [fruit]
            apple.color = "red"
            [fruit.apple.texture]
            smooth = true
            """
        )
        #expect(table.keys == ["title", "agent", "spool", "dog", "fruit"])
        #expect(value(table, "agent.host")?.stringValue == "web-1")
        #expect(value(table, "spool.limits.max_bytes")?.integerValue == 10)
        #expect(value(table, "spool.path")?.stringValue == "/tmp/x")
        #expect(table["dog"]?.tableValue?["tater.man"]?.tableValue?["type"]?.stringValue == "pug")
        #expect(value(table, "fruit.apple.texture.smooth")?.booleanValue == true)
    }

    @Test func arraysOfTables() throws {
        let table = try parse(
            """
            [[sources]]
            path = "/var/log/a.log"
            [sources.multiline]
            start = "^\\\\d"
            [[sources.rules]]
            name = "one"
            [[sources.rules]]
            name = "two"

            [[sources]]
            path = "/var/log/b.log"

            [[sources]]
            """
        )
        let sources = try #require(table["sources"]?.arrayValue)
        #expect(sources.count == 3)
        #expect(value(table, "sources.#0.path")?.stringValue == "/var/log/a.log")
        #expect(value(table, "sources.#0.multiline.start")?.stringValue == "^\\d")
        #expect(value(table, "sources.#0.rules.#1.name")?.stringValue == "two")
        #expect(value(table, "sources.#1.path")?.stringValue == "/var/log/b.log")
        #expect(sources[2].tableValue?.isEmpty == true)
        #expect(sources.map(\.line) == [1, 10, 13])
    }

    @Test func basicStringEscapes() throws {
        let table = try parse(#"s = "a\tb\nc \"q\" \\ \u00E9 \U0001F600 \b\f\r \e""#)
        #expect(table["s"]?.stringValue == "a\tb\nc \"q\" \\ é 😀 \u{08}\u{0C}\r \u{1B}")
    }

    @Test func literalStrings() throws {
        let table = try parse(#"path = 'C:\Users\nodejs\templates'"# + "\n" + #"regex = '<\i\c*\s*>'"#)
        #expect(table["path"]?.stringValue == #"C:\Users\nodejs\templates"#)
        #expect(table["regex"]?.stringValue == #"<\i\c*\s*>"#)
    }

    @Test func multiLineBasicStrings() throws {
        let table = try parse(
            "a = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n"
                + "b = \"\"\"\\\n  The quick \\\n\n    brown fox.\\\n  \"\"\"\n"
                + "c = \"\"\"Here are two quotation marks: \"\". Simple.\"\"\"\n"
                + "d = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n"
                + "e = \"\"\"tab\\there\r\nline\"\"\"\n"
        )
        #expect(table["a"]?.stringValue == "Roses are red\nViolets are blue")
        #expect(table["b"]?.stringValue == "The quick brown fox.")
        #expect(table["c"]?.stringValue == "Here are two quotation marks: \"\". Simple.")
        #expect(table["d"]?.stringValue == "\"This,\" she said, \"is just a pointless statement.\"")
        #expect(table["e"]?.stringValue == "tab\there\nline")
    }

    @Test func multiLineLiteralStrings() throws {
        let table = try parse(
            "re = '''I [dw]on't need \\d{2} apples'''\n"
                + "lines = '''\nThe first newline is\ntrimmed in raw strings.\n"
                + "   All other whitespace\n   is kept.\n'''\n"
                + "quotes = ''''That,' she said, 'is still pointless.''''\n"
        )
        #expect(table["re"]?.stringValue == #"I [dw]on't need \d{2} apples"#)
        #expect(
            table["lines"]?.stringValue
                == "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is kept.\n")
        #expect(table["quotes"]?.stringValue == "'That,' she said, 'is still pointless.'")
    }

    @Test func integers() throws {
        let table = try parse(
            """
            a = +99
            b = 42
            c = 0
            d = -17
            e = 1_000
            f = 5_349_221
            g = 0xDEADBEEF
            h = 0xdead_beef
            i = 0o755
            j = 0b1101_0110
            k = 9223372036854775807
            l = -9223372036854775808
            m = -0
            n = 0x00ff
            """
        )
        let expected: [String: Int] = [
            "a": 99, "b": 42, "c": 0, "d": -17, "e": 1000, "f": 5_349_221, "g": 0xDEAD_BEEF, "h": 0xDEAD_BEEF,
            "i": 0o755, "j": 0b1101_0110, "k": .max, "l": .min, "m": 0, "n": 255,
        ]
        for (key, number) in expected {
            #expect(table[key]?.integerValue == number, "\(key)")
        }
    }

    @Test func floats() throws {
        let table = try parse(
            """
            a = +1.0
            b = 3.1415
            c = -0.01
            d = 5e+22
            e = 1e06
            f = -2E-2
            g = 6.626e-34
            h = 224_617.445_991
            i = inf
            j = -inf
            k = nan
            l = +inf
            """
        )
        #expect(table["a"]?.content == .float(1))
        #expect(table["b"]?.content == .float(3.1415))
        #expect(table["c"]?.content == .float(-0.01))
        #expect(table["d"]?.content == .float(5e22))
        #expect(table["e"]?.content == .float(1e6))
        #expect(table["f"]?.content == .float(-0.02))
        #expect(table["g"]?.content == .float(6.626e-34))
        #expect(table["h"]?.content == .float(224_617.445_991))
        #expect(table["i"]?.content == .float(.infinity))
        #expect(table["j"]?.content == .float(-.infinity))
        #expect(table["k"]?.floatValue?.isNaN == true)
        #expect(table["l"]?.content == .float(.infinity))
    }

    @Test func booleans() throws {
        let table = try parse("yes = true\nno = false")
        #expect(table["yes"]?.booleanValue == true)
        #expect(table["no"]?.booleanValue == false)
    }

    @Test func arrays() throws {
        let table = try parse(
            """
            empty = []
            integers = [ 1, 2, 3 ]
            nested = [ [ 1, 2 ], ["a", 'b'] ]
            mixed = [ 0.1, "x", true, { k = 1 } ]
            units = [
              "api.service",   # the API
              # a comment on its own line
              "worker.service",
            ]
            tables = [ { path = "/a" }, { path = "/b" } ]
            """
        )
        #expect(table["empty"]?.arrayValue == [])
        #expect(table["integers"]?.arrayValue?.compactMap(\.integerValue) == [1, 2, 3])
        #expect(value(table, "nested.#1.#1")?.stringValue == "b")
        #expect(value(table, "mixed.#3.k")?.integerValue == 1)
        #expect(table["units"]?.arrayValue?.compactMap(\.stringValue) == ["api.service", "worker.service"])
        #expect(table["units"]?.arrayValue?.map(\.line) == [6, 8])
        #expect(value(table, "tables.#1.path")?.stringValue == "/b")
    }

    @Test func inlineTables() throws {
        let table = try parse(
            """
            name = { first = "Tom", last = "Preston-Werner" }
            point = {x=1,y=2}
            empty = {}
            animal = { type.name = "pug", type.size = "small" }
            nested = { inner = { deep = [1, { deeper = true }] } }
            spread = {
              a = 1, # TOML 1.1 allows newlines here
              b = 2,
            }
            """
        )
        #expect(value(table, "name.last")?.stringValue == "Preston-Werner")
        #expect(value(table, "point.y")?.integerValue == 2)
        #expect(table["empty"]?.tableValue?.isEmpty == true)
        #expect(value(table, "animal.type.size")?.stringValue == "small")
        #expect(value(table, "nested.inner.deep.#1.deeper")?.booleanValue == true)
        #expect(value(table, "spread.b")?.integerValue == 2)
    }

    @Test func valuesRememberTheirLines() throws {
        let table = try parse(
            """
            # line 1
            a = 1

            text = \"\"\"
            spans
            lines\"\"\"
            after = 2
            [agent]
            host = "h"
            [[sources]]
            list = [
              1,
              2,
            ]
            """
        )
        #expect(table["a"]?.line == 2)
        #expect(table["text"]?.line == 4)
        #expect(table["after"]?.line == 7)
        #expect(table["agent"]?.line == 8)
        #expect(value(table, "agent.host")?.line == 9)
        #expect(table["sources"]?.line == 10)
        #expect(value(table, "sources.#0.list")?.line == 11)
        #expect(value(table, "sources.#0.list.#1")?.line == 13)
    }

    @Test func implicitTableCanBeDefinedLater() throws {
        let table = try parse("[a.b.c]\nx = 1\n[a]\ny = 2\n")
        #expect(value(table, "a.b.c.x")?.integerValue == 1)
        #expect(value(table, "a.y")?.integerValue == 2)
        #expect(table["a"]?.line == 3)
    }

    @Test func keyOrderIsKept() throws {
        let table = try parse("z = 1\na = 2\nm = 3\n[b]\n[c]\n")
        #expect(table.keys == ["z", "a", "m", "b", "c"])
    }

    // MARK: - Errors

    @Test(arguments: [
        ("a = 1\na = 2", "test.toml:2: duplicate key 'a', first defined on line 1"),
        ("[agent]\nhost = 'a'\n\nhost = 'b'", "test.toml:4: duplicate key 'agent.host', first defined on line 2"),
        ("[a]\nx = 1\n[a]", "test.toml:3: table [a] is already defined on line 1"),
        ("[a]\nb.c = 1\n[a.b]", "test.toml:3: table [a.b] is already defined by dotted keys on line 2"),
        ("a = {}\n[a]", "test.toml:2: table [a] is already defined as an inline table on line 1"),
        ("a = 1\na.b = 2", "test.toml:2: duplicate key 'a', first defined on line 1"),
        ("a = 1\n[a.b]", "test.toml:2: duplicate key 'a', first defined on line 1"),
        (
            "a = { b = 1 }\na.c = 2",
            "test.toml:2: 'a' is an inline table, defined on line 1, and cannot be extended; "
                + "move its keys into a [a] table"
        ),
        ("p = { x = 1, x = 2 }", "test.toml:1: duplicate key 'p.x', first defined on line 1"),
        ("[a]\n[[a]]", "test.toml:2: cannot make [[a]] an array of tables: it is already a table, defined on line 1"),
        (
            "a = [1]\n[[a]]",
            "test.toml:2: cannot make [[a]] an array of tables: it is already an array, defined on line 1"
        ),
        ("[[a]]\n[a]", "test.toml:2: [a] is an array of tables, defined on line 1; write [[a]] to add a table to it"),
        (
            "[a.b.c]\nz = 9\n[a]\nb.c.t = 1",
            "test.toml:4: duplicate key 'a.b.c': table [a.b.c] is already defined on line 1"
        ),
    ])
    func duplicateKeys(input: String, message: String) {
        #expect(parseError(input) == message)
    }

    @Test(arguments: [
        ("a = \"open\nb = 1", "test.toml:1: unterminated string; add the closing '\"' on the same line"),
        ("\n\na = 'open", "test.toml:3: unterminated string; add the closing \"'\" on the same line"),
        ("x = 1\na = \"\"\"\nmany\nlines", "test.toml:2: unterminated multi-line string; add the closing \"\"\""),
        ("a = '''\nmany\nlines''", "test.toml:1: unterminated multi-line string; add the closing '''"),
        ("a = [1,\n2,\n", "test.toml:1: unterminated array for 'a'; add the closing ']'"),
        ("a = { b = 1", "test.toml:1: unterminated inline table for 'a'; add the closing '}'"),
        (#"a = "C:\path""#, #"test.toml:1: invalid escape '\' followed by 'p'; write '\\' for a backslash"#),
        (#"a = "\u12""#, #"test.toml:1: invalid escape '\u12"'; \u needs exactly 4 hex digits"#),
        (#"a = "\uD800""#, #"test.toml:1: invalid escape '\uD800': not a Unicode scalar value"#),
        (#"a = "\U00110000""#, #"test.toml:1: invalid escape '\U00110000': not a Unicode scalar value"#),
        ("a = 1 2", "test.toml:1: unexpected '2' after the value of 'a'; expected a new line or a comment"),
        (
            "[agent]\nport = \"80\" x",
            "test.toml:2: unexpected 'x' after the value of 'agent.port'; expected a new line or a comment"
        ),
        (
            "[agent] name",
            "test.toml:1: unexpected 'n' after the table header [agent]; expected a new line or a comment"
        ),
        ("[agent", "test.toml:1: expected ']' to close the table header, found end of file"),
        ("[[agent]", "test.toml:1: expected ']]' to close the array of tables header, found end of file"),
        ("a b = 1", "test.toml:1: expected '=' after key 'a', found 'b'"),
        ("a\u{A0}= 1", "test.toml:1: expected '=' after key 'a', found '\u{A0}' (U+00A0)"),
        ("a = 'x' 'y'", "test.toml:1: unexpected \"'\" after the value of 'a'; expected a new line or a comment"),
        ("a =", "test.toml:1: expected a value for 'a', found end of file"),
        ("a =\n1", "test.toml:1: expected a value for 'a', found end of line"),
        ("= 1", "test.toml:1: expected a key, found '='"),
        ("a.= 1", "test.toml:1: expected a key, found '='"),
        (
            "host = localhost",
            "test.toml:1: expected a value for 'host', found 'localhost'; strings must be quoted: \"localhost\""
        ),
        ("a = 007", "test.toml:1: invalid number '007': leading zeros are not allowed"),
        ("a = 1__000", "test.toml:1: invalid number '1__000': write it like 42, -17, 1_000, 0x1F, 3.14 or 5e-3"),
        ("a = 1.", "test.toml:1: invalid number '1.': write it like 42, -17, 1_000, 0x1F, 3.14 or 5e-3"),
        ("a = .5", "test.toml:1: invalid number '.5': write it like 42, -17, 1_000, 0x1F, 3.14 or 5e-3"),
        ("a = 0xG", "test.toml:1: invalid number '0xG': write it like 42, -17, 1_000, 0x1F, 3.14 or 5e-3"),
        ("a = -0x1", "test.toml:1: invalid number '-0x1': a sign is not allowed before 0x, 0o or 0b"),
        (
            "a = 9223372036854775808",
            "test.toml:1: invalid number '9223372036854775808': it does not fit in a 64-bit integer"
        ),
        (
            "a = 0xFFFFFFFFFFFFFFFF",
            "test.toml:1: invalid number '0xFFFFFFFFFFFFFFFF': it does not fit in a 64-bit integer"
        ),
        (
            "when = 1979-05-27T07:32:00Z",
            "test.toml:1: dates and times are not supported; write the value as a string: \"1979-05-27T07:32:00Z\""
        ),
        ("at = 07:32:00", "test.toml:1: dates and times are not supported; write the value as a string: \"07:32:00\""),
        ("a = [1 2]", "test.toml:1: expected ',' or ']' in the array for 'a', found '2'"),
        ("a = [1,,2]", "test.toml:1: expected a value for 'a', found ','"),
        ("a = { b = 1 c = 2 }", "test.toml:1: expected ',' or '}' in the inline table for 'a', found 'c'"),
        ("\"\"\"key\"\"\" = 1", "test.toml:1: a key cannot be a multi-line string"),
        ("a = \"tab\u{01}\"", "test.toml:1: control character U+0001 is not allowed in a string; write it as \\u0001"),
        ("# bell \u{07}", "test.toml:1: control character U+0007 is not allowed in a comment"),
        ("a = 1\rb = 2", "test.toml:1: a carriage return must be followed by a newline"),
    ])
    func syntaxErrors(input: String, message: String) {
        #expect(parseError(input) == message)
    }

    @Test func errorsCarryCodeFileAndLine() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try TOMLDocument(parsing: "a = 1\n\na = 2", fileName: "agent.toml")
        }
        #expect(error?.code == .duplicateKey)
        #expect(error?.fileName == "agent.toml")
        #expect(error?.line == 3)
        #expect(error?.message == "duplicate key 'a', first defined on line 1")

        let syntax = #expect(throws: ConfigurationError.self) {
            try TOMLDocument(parsing: "a = 'x", fileName: "agent.toml")
        }
        #expect(syntax?.code == .syntax)
    }

    // MARK: - Hostile input

    @Test func nulBytesAreErrors() {
        #expect(parseError("a = 1\n\u{0}") == "test.toml:2: expected a key, found control character U+0000")
        #expect(parseError("a = \"x\u{0}y\"")?.contains("control character U+0000 is not allowed in a string") == true)
        #expect(parseError("a = 1 \u{0}")?.hasPrefix("test.toml:1: unexpected control character U+0000") == true)
        #expect(parseError("# \u{0}")?.contains("U+0000") == true)
        #expect(parseError("a\u{0} = 1") != nil)
    }

    @Test func invalidUTF8IsAnError() {
        let bytes: [UInt8] = Array("a = 1\nb = \"".utf8) + [0xFF, 0xFE] + Array("\"\n".utf8)
        let error = #expect(throws: ConfigurationError.self) {
            try TOMLDocument(parsing: bytes, fileName: "test.toml")
        }
        #expect(error?.description == "test.toml:2: invalid UTF-8 (byte 0xFF); the file must be UTF-8 text")

        let overlong: [UInt8] = Array("a = '".utf8) + [0xC0, 0xAF] + Array("'".utf8)
        #expect(throws: ConfigurationError.self) { try TOMLDocument(parsing: overlong, fileName: "test.toml") }
        let surrogate: [UInt8] = Array("a = '".utf8) + [0xED, 0xA0, 0x80] + Array("'".utf8)
        #expect(throws: ConfigurationError.self) { try TOMLDocument(parsing: surrogate, fileName: "test.toml") }
        let truncated: [UInt8] = Array("a = '".utf8) + [0xE2, 0x82]
        #expect(throws: ConfigurationError.self) { try TOMLDocument(parsing: truncated, fileName: "test.toml") }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let depth = 100_000
        let nesting = "tables and arrays are nested more than \(TOMLDocument.maximumNesting) levels deep"
        let arrays = "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(parseError(arrays)?.hasSuffix(nesting) == true)
        let inline = "a = " + String(repeating: "{b=", count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(parseError(inline)?.hasSuffix(nesting) == true)
        let header = "[" + Array(repeating: "a", count: depth).joined(separator: ".") + "]"
        #expect(parseError(header)?.hasSuffix(nesting) == true)
        let dotted = Array(repeating: "a", count: depth).joined(separator: ".") + " = 1"
        #expect(parseError(dotted)?.hasSuffix(nesting) == true)
        let unclosed = "a = " + String(repeating: "[", count: depth)
        #expect(parseError(unclosed)?.hasSuffix(nesting) == true)

        let allowed = "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try parse(allowed) }
    }

    @Test func hugeInputParses() throws {
        var text = "[agent]\n"
        for index in 0..<50_000 {
            text += "key_\(index) = \(index)\n"
        }
        text += "long = \"" + String(repeating: "x", count: 1 << 20) + "\"\n"
        let table = try parse(text)
        #expect(value(table, "agent.key_49999")?.integerValue == 49_999)
        #expect(value(table, "agent.key_49999")?.line == 50_001)
        #expect(value(table, "agent.long")?.stringValue?.utf8.count == 1 << 20)

        let hugeBareWord = "a = " + String(repeating: "z", count: 1 << 20)
        #expect(parseError(hugeBareWord)?.count ?? .max < 300)
    }

    @Test func randomBytesNeverCrash() {
        var generator = SplitMix64(seed: 0x5EED)
        let alphabet = Array("ab1_-.=[]{}\"'#\\,+:xe0 \t\n\r\u{0}".utf8) + [0xC3, 0xA9, 0xFF, 0x7F]
        for _ in 0..<3000 {
            let length = Int(generator.next() % 40)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            _ = try? TOMLDocument(parsing: bytes, fileName: "fuzz.toml")
        }
    }

    @Test func everyPrefixOfAValidDocumentParsesOrFails() {
        let bytes = Array(sampleDocument.utf8)
        for end in 0...bytes.count {
            _ = try? TOMLDocument(parsing: Array(bytes[..<end]), fileName: "prefix.toml")
        }
    }

    // MARK: - Rendering

    @Test func renderedDocumentParsesBackToTheSameValues() throws {
        let document = try TOMLDocument(parsing: sampleDocument, fileName: "sample.toml")
        let rendered = document.rendered()
        let reparsed = try TOMLDocument(parsing: rendered, fileName: "rendered.toml")
        #expect(reparsed.root == document.root)
        #expect(reparsed.rendered() == rendered)
    }

    @Test func renderedLayout() throws {
        let document = try TOMLDocument(
            parsing: """
                title = "x"
                [a.b]
                c = 1
                [[s]]
                p = "one"
                [s.m]
                q = true
                [[s]]
                [e]
                """,
            fileName: "t.toml"
        )
        #expect(
            document.rendered() == """
                title = "x"

                [a.b]
                c = 1

                [[s]]
                p = "one"

                [s.m]
                q = true

                [[s]]

                [e]

                """
        )
    }

    @Test func stringsAndKeysAreEscaped() throws {
        let hostile = "quote \" backslash \\ newline \n tab \t cr \r nul \u{0} bell \u{07} del \u{7F} é 😀"
        var table = TOMLTable()
        table[hostile] = TOMLValue(.string(hostile))
        table["plain_key"] = TOMLValue(.string("'single'"))
        table[""] = TOMLValue(.string(""))
        table["a.b"] = TOMLValue(.table(TOMLTable([("c d", TOMLValue(.integer(1)))])))
        let rendered = TOMLDocument(root: table, fileName: "t.toml").rendered()
        #expect(!rendered.utf8.contains(0) && !rendered.utf8.contains(0x07) && !rendered.utf8.contains(0x7F))
        #expect(rendered.contains(#""quote \" backslash \\ newline \n tab \t cr \r nul \u0000 bell \u0007 del \u007F"#))
        #expect(rendered.contains("[\"a.b\"]\n\"c d\" = 1"))
        let reparsed = try parse(rendered)
        #expect(reparsed == table)
    }

    @Test func floatsRoundTrip() throws {
        let numbers: [Double] = [
            0, -0.0, 0.1, 1e-5, .leastNonzeroMagnitude, 1.7976931348623157e308, 123_456_789.125, 1e22, .infinity,
            -.infinity,
        ]
        var table = TOMLTable()
        for (index, number) in numbers.enumerated() {
            table["f\(index)"] = TOMLValue(.float(number))
        }
        table["nan"] = TOMLValue(.float(.nan))
        let reparsed = try parse(TOMLDocument(root: table, fileName: "t.toml").rendered())
        for (index, number) in numbers.enumerated() {
            #expect(reparsed["f\(index)"]?.content == .float(number))
        }
        #expect(reparsed["nan"]?.floatValue?.isNaN == true)
    }

    @Test func generatedDocumentsRoundTrip() throws {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let table = randomTable(using: &generator, depth: 0)
            let rendered = TOMLDocument(root: table, fileName: "generated.toml").rendered()
            let reparsed = try TOMLDocument(parsing: rendered, fileName: "generated.toml")
            #expect(reparsed.root == table, "\(rendered)")
        }
    }

    @Test func inlineDescription() {
        let value = TOMLValue(
            .table(
                TOMLTable([
                    ("list", TOMLValue(.array([TOMLValue(.integer(1)), TOMLValue(.string("two"))]))),
                    ("empty", TOMLValue(.table(TOMLTable()))),
                    ("on", TOMLValue(.boolean(true))),
                ])
            )
        )
        #expect(value.description == #"{ list = [1, "two"], empty = {}, on = true }"#)
    }
}

/// A document that uses every part of the grammar the parser supports.
private let sampleDocument = """
    # Faultline agent
    title = "agent \\"one\\" \\u00E9"
    literal = 'C:\\temp'
    multi = \"\"\"
    first\\tline
    second line\"\"\"
    raw = '''
    keep \\n as is'''
    count = 1_000
    mask = 0o755
    flags = 0xff
    ratio = 0.25
    big = 6.02e23
    enabled = true
    nothing = []
    list = [1, 2.5, "three", [4], { five = 5 }]
    point = { x = 1, y.z = 2 }
    "quoted key" = 1
    dotted.inner.value = "v"

    [agent]
    host = "web-1"
    units = [
      "api.service",
      "worker.service", # trailing comma
    ]

    [agent.spool]
    max_bytes = "64MiB"

    [[sources]]
    path = "/var/log/app.log"
    [sources.multiline]
    start = "^\\\\d{4}"

    [[sources]]
    path = "/var/log/other.log"
    [[sources.rules]]
    match = "ERROR"
    """

/// A random table up to three levels deep, with awkward keys and strings, every value type,
/// empty tables and arrays, and arrays of tables.
private func randomTable(using generator: inout SplitMix64, depth: Int) -> TOMLTable {
    let keys = ["a", "b-c", "1", "", "with space", "dot.ted", "quote\"", "ü", "x_y", "#"]
    var table = TOMLTable()
    for _ in 0..<Int(generator.next() % 5) {
        let key = keys[Int(generator.next() % UInt64(keys.count))]
        table[key] = randomValue(using: &generator, depth: depth)
    }
    return table
}

private func randomValue(using generator: inout SplitMix64, depth: Int) -> TOMLValue {
    let scalars: [Unicode.Scalar] = [
        "a", "Z", " ", "\"", "\\", "\n", "\t", "\r", "\u{0}", "\u{7F}", "\u{1F}", "é", "😀", "'", "#",
    ]
    let kind = generator.next() % (depth < 3 ? 8 : 5)
    switch kind {
    case 0:
        var text = String.UnicodeScalarView()
        for _ in 0..<Int(generator.next() % 8) {
            text.append(scalars[Int(generator.next() % UInt64(scalars.count))])
        }
        return TOMLValue(.string(String(text)))
    case 1:
        let special = [Int.min, Int.max, 0, -1]
        let number =
            generator.next() % 2 == 0 ? special[Int(generator.next() % 4)] : Int(truncatingIfNeeded: generator.next())
        return TOMLValue(.integer(number))
    case 2:
        let number = Double(bitPattern: generator.next())  // Any magnitude, subnormals included.
        return TOMLValue(.float(number.isFinite ? number : -.greatestFiniteMagnitude))
    case 3:
        return TOMLValue(.boolean(generator.next() % 2 == 0))
    case 4:
        return TOMLValue(.array([]))
    case 5:
        return TOMLValue(.table(randomTable(using: &generator, depth: depth + 1)))
    case 6:
        let count = 1 + Int(generator.next() % 3)
        return TOMLValue(
            .array((0..<count).map { _ in TOMLValue(.table(randomTable(using: &generator, depth: depth + 1))) }))
    default:
        let count = Int(generator.next() % 4)
        return TOMLValue(.array((0..<count).map { _ in randomValue(using: &generator, depth: depth + 1) }))
    }
}

/// A small deterministic generator, so that the random tests fail the same way every time.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
