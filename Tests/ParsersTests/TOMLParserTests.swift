import Testing
@testable import Parsers

@Suite("TOML subset parser")
struct TOMLParserTests {
    private func parse(_ text: String) -> (TOMLDocument, [TOMLSyntaxError]) {
        let result = TOMLParser.parse(text)
        return (result.document, result.errors)
    }

    private func value(_ literal: String) throws -> TOMLValue {
        let (document, errors) = parse("[s]\nk = \(literal)\n")
        #expect(errors.isEmpty, "\(errors)")
        return try #require(document.entries(of: "s").first).value
    }

    private func firstError(_ text: String) throws -> TOMLSyntaxError {
        try #require(parse(text).1.first)
    }

    @Test func readsEachScalarType() throws {
        #expect(try value(#""text""#) == .string("text"))
        #expect(try value("'C:\\path\\n'") == .string("C:\\path\\n"))
        #expect(try value("42") == .integer(42))
        #expect(try value("-17") == .integer(-17))
        #expect(try value("+3") == .integer(3))
        #expect(try value("1_000_000") == .integer(1_000_000))
        #expect(try value("2.5") == .float(2.5))
        #expect(try value("-1e3") == .float(-1000))
        #expect(try value("6.02E+2") == .float(602))
        #expect(try value("true") == .boolean(true))
        #expect(try value("false") == .boolean(false))
    }

    @Test func decodesEscapesInBasicStrings() throws {
        #expect(try value(#""a\"b\\c\nd\te""#) == .string("a\"b\\c\nd\te"))
        #expect(try value(#""\u00e9\U0001F600""#) == .string("é😀"))
    }

    @Test func readsArraysOnOneLineAndAcrossLinesWithCommentsAndTrailingComma() throws {
        #expect(try value("[1, 2, 3]") == .array([.integer(1), .integer(2), .integer(3)]))
        #expect(try value("[]") == .array([]))
        let text = "[s]\nk = [\n  3600,  # one hour\n  # a comment line\n  'x',\n]\nnext = 1\n"
        let (document, errors) = parse(text)
        #expect(errors.isEmpty)
        let entries = document.entries(of: "s")
        #expect(entries.map(\.key) == ["k", "next"])
        #expect(entries[0].value == .array([.integer(3600), .string("x")]))
        #expect(entries[1].line == 7)
    }

    @Test func ignoresCommentsAndBlankLinesAndKeepsKeyLines() throws {
        let text = "# header comment\n\n[polling]   # trailing\n\twait_seconds = 5 # why\n\r\nbatch_size=3\n"
        let (document, errors) = parse(text)
        #expect(errors.isEmpty)
        let entries = document.entries(of: "polling")
        #expect(entries.map(\.line) == [4, 6])
        #expect(entries.map(\.value) == [.integer(5), .integer(3)])
        #expect(document.sections.first { $0.name == "polling" }?.line == 3)
    }

    @Test(arguments: [
        ("[s]\nk = \"open\n", 2, "unterminated string"),
        ("[s]\n\nk = { a = 1 }\n", 3, "inline tables"),
        ("[s]\nk = \"\"\"x\"\"\"\n", 2, "multi-line strings"),
        ("[s]\nk = '''x'''\n", 2, "multi-line literal strings"),
        ("[s]\nk = 1979-05-27\n", 2, "dates and times"),
        ("[s]\nk = 07:32:00\n", 2, "dates and times"),
        ("[a.b]\n", 1, "dotted section names"),
        ("[[s.t]]\n", 1, "dotted section names"),
        ("[[s]\n", 1, "expected ']]'"),
        ("[s]\n[[s]]\n", 2, "cannot both be used"),
        ("[s]\na.b = 1\n", 2, "dotted keys"),
        ("[s]\n\"k\" = 1\n", 2, "quoted keys"),
        ("[s]\nk = [[1]]\n", 2, "arrays inside arrays"),
        ("[s]\nk = 0x1F\n", 2, "hexadecimal"),
        ("[s]\nk = 012\n", 2, "invalid number"),
        ("[s]\nk = 1__0\n", 2, "invalid number"),
        ("[s]\nk = \"bad \\q escape\"\n", 2, "invalid escape"),
        ("[s]\nk = 1 2\n", 2, "unexpected text"),
        ("[s]\nk =\n", 2, "missing value"),
        ("[s]\nk 1\n", 2, "expected '='"),
        ("[s]\nk = [1,\n2\n", 2, "never closed"),
        ("[s]\nk = [1 2]\n", 2, "expected ',' or ']'"),
    ] as [(String, Int, String)])
    func refusesUnsupportedSyntaxWithLineNumber(text: String, line: Int, phrase: String) throws {
        let error = try firstError(text)
        #expect(error.line == line)
        #expect(error.message.contains(phrase), "\(error.message)")
    }

    @Test func arrayOfTablesGivesOneSectionPerElementWithItsOwnKeys() throws {
        let (document, errors) = parse("[[hook]]\nurl = 'a'\n\n[[hook]]\nurl = 'b'\n[store]\n")
        #expect(errors.isEmpty)
        let hooks = document.sections.filter { $0.name == "hook" }
        #expect(hooks.map(\.isArrayElement) == [true, true])
        #expect(hooks.map(\.line) == [1, 4])
        #expect(hooks.map { $0.entries.map(\.value) } == [[.string("a")], [.string("b")]])
        #expect(document.sections.last?.isArrayElement == false)
    }

    @Test func duplicateKeyInsideOneArrayElementIsAnError() throws {
        let error = try firstError("[[hook]]\nurl = 'a'\nurl = 'b'\n")
        #expect(error.line == 3)
        #expect(error.message.contains("duplicate key 'hook.url'"))
    }

    @Test func duplicateKeyInSectionIsAnErrorNamingBothLines() throws {
        let error = try firstError("[polling]\nwait_seconds = 1\nbatch_size = 2\nwait_seconds = 3\n")
        #expect(error.line == 4)
        #expect(error.message == "duplicate key 'polling.wait_seconds' (first set at line 2)")
    }

    @Test func duplicateSectionIsAnErrorAndDuplicateKeysAcrossItAreStillCaught() throws {
        let (_, errors) = parse("[store]\npath = 'a'\n[http]\n[store]\npath = 'b'\n")
        #expect(errors.map(\.line) == [4, 5])
        #expect(errors[0].message.contains("duplicate section [store] (first at line 1)"))
        #expect(errors[1].message.contains("duplicate key 'store.path'"))
    }

    /// Found by the toml fuzz target: the keys after a clashing `[s]` went on into `[[s]]` without
    /// meeting its keys, so `k` was stored twice in one section.
    @Test(arguments: ["[[s]]\nk=\"\"\n[s]\nk=\"\"", "[s]\nk=1\n[[s]]\nk=2\n"])
    func keysAfterATableAndArrayClashAreStillCheckedForDuplicates(text: String) {
        let (document, errors) = parse(text)
        #expect(errors.map(\.line) == [3, 4])
        #expect(errors.last?.message.contains("duplicate key 's.k'") == true, "\(errors)")
        #expect(document.sections.filter { $0.name == "s" }.map { $0.entries.count } == [1])
    }

    @Test func reportsEveryBrokenLineNotOnlyTheFirst() {
        let (document, errors) = parse("[s]\na = 'x\nb = {}\nc = 3\nd = [1,\n  oops,\n  2]\ne = 5\n")
        #expect(errors.map(\.line) == [2, 3, 6])
        #expect(document.entries(of: "s").map(\.key) == ["c", "e"])
    }

    @Test func unquotedTextIsRefusedWithoutRepeatingIt() throws {
        let error = try firstError("[alibaba]\naccess_key_secret = hunter2hunter2\n")
        #expect(error.line == 2)
        #expect(error.message.contains("must be quoted"))
        #expect(!error.message.contains("hunter2"))
    }
}
