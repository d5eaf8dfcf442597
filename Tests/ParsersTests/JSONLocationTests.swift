import Testing
@testable import Parsers

/// Locating part of a document: the bytes a caller keeps as the sender wrote them.
@Suite("JSON locations")
struct JSONLocationTests {
    private func located(_ text: String, _ path: [String]) throws -> (value: JSONValue, location: JSONLocation?) {
        try JSONValue.parse(Array(text.utf8), locating: path)
    }

    private func slice(_ text: String, _ range: Range<Int>) -> String {
        String(decoding: Array(text.utf8)[range], as: UTF8.self)
    }

    @Test("the elements of a nested array are located exactly, whitespace outside them excluded")
    func nestedArray() throws {
        let text = #"{"Code":"OK","Rows":{"Row":[ {"a":1} ,{"b":[2, 3]},"x"]}}"#
        let (value, location) = try located(text, ["Rows", "Row"])
        let found = try #require(location)
        #expect(slice(text, found.bytes) == #"[ {"a":1} ,{"b":[2, 3]},"x"]"#)
        #expect(found.elements.map { slice(text, $0) } == [#"{"a":1}"#, #"{"b":[2, 3]}"#, #""x""#])
        #expect(value.value(at: ["Rows", "Row"])?.arrayValue?.count == 3)
    }

    @Test("an empty path is the whole document, a byte-order mark before it excluded")
    func wholeDocument() throws {
        let text = "\u{FEFF} [1,2] "
        let found = try #require(try located(text, []).location)
        #expect(slice(text, found.bytes) == "[1,2]")
        #expect(found.elements.map { slice(text, $0) } == ["1", "2"])
    }

    @Test("a value that is not an array is located with no elements")
    func scalarTarget() throws {
        let text = #"{"a":{"b":"text"}}"#
        let found = try #require(try located(text, ["a", "b"]).location)
        #expect(slice(text, found.bytes) == #""text""#)
        #expect(found.elements.isEmpty)
    }

    @Test("an absent path, or one through an array or a scalar, is not located", arguments: [
        (#"{"a":1}"#, ["b"]), (#"{"a":1}"#, ["a", "b"]), (#"{"a":[{"b":1}]}"#, ["a", "b"]), (#"[{"a":1}]"#, ["a"]),
    ])
    func absent(text: String, path: [String]) throws {
        #expect(try located(text, path).location == nil)
    }

    @Test("with duplicate keys the location follows the last occurrence, as the subscript does")
    func duplicates() throws {
        let text = #"{"a":{"b":[1]},"a":{"c":2}}"#
        #expect(try located(text, ["a", "b"]).location == nil)
        let again = #"{"a":{"b":[1],"b":[2,3]}}"#
        let found = try #require(try located(again, ["a", "b"]).location)
        #expect(found.elements.map { slice(again, $0) } == ["2", "3"])
    }

    @Test("a key equal to the path deeper down is not the path")
    func sameKeyDeeper() throws {
        let text = #"{"x":{"a":[9]},"a":[1]}"#
        let found = try #require(try located(text, ["a"]).location)
        #expect(found.elements.map { slice(text, $0) } == ["1"])
    }

    @Test("top-level array elements keep their values and bytes; anything else is nil")
    func topLevelArray() throws {
        let text = #"[{"a":[1,2]},[3,[4]], "x"]"#
        let elements = try #require(try JSONValue.topLevelArrayElements(Array(text.utf8)))
        #expect(elements.map { slice(text, $0.bytes) } == [#"{"a":[1,2]}"#, "[3,[4]]", #""x""#])
        #expect(elements[2].value == .string("x"))
        #expect(try JSONValue.topLevelArrayElements(Array(#"{"a":[1]}"#.utf8)) == nil)
    }

    @Test("a byte slice that does not start at index zero parses like the same bytes on their own")
    func sliceInput() throws {
        let bytes = Array(#"xx{"a":"b"}"#.utf8)
        #expect(try JSONValue.parse(bytes[2...]) == .object(["a": .string("b")]))
    }
}
