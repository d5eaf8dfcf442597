// libFuzzer target for the config file's TOML subset reader in Sources/Parsers/TOML (built by
// Fuzz/run.sh, which compiles those sources into this module). No second TOML reader exists to
// compare with, so per input it checks what the parser promises, and traps with a message otherwise:
//
// 1. Nothing traps (out-of-range index, overflow) on any bytes.
// 2. Sane results: every line number lies within the text; section names and keys are non-empty bare
//    keys, each key once per section and each section once; floats are finite.
// 3. Re-parse stability: the parsed document written back as TOML (Rendering.swift) parses without
//    errors to the same sections, keys and values.
// 4. A bare token that `TOMLScalar` reads as a number reads the same when written back.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The loader reads the file as UTF-8 text; broken sequences arrive as U+FFFD, as here.
    let text = String(decoding: bytes, as: UTF8.self)
    let (document, errors) = TOMLParser.parse(text)
    checkSanity(document, errors, text)
    checkReparse(document, text)
    checkScalar(text)
    return 0
}

private func checkSanity(_ document: TOMLDocument, _ errors: [TOMLSyntaxError], _ text: String) {
    // A line is a "\n"; a lone "\r" is an error, not a line break, so it does not count.
    let lines = text.utf8.count(where: { $0 == UInt8(ascii: "\n") }) + 1
    for error in errors where !(1...lines).contains(error.line) {
        fail("error line \(error.line) outside 1...\(lines): \(error.message)", text)
    }
    guard document.sections.first?.name == "" else { fail("the implicit first section is missing", text) }
    var names: Set<String> = []
    for (position, section) in document.sections.enumerated() {
        guard names.insert(section.name).inserted || section.isArrayElement else { fail("section [\(section.name)] twice", text) }
        guard position == 0 || isBareKey(section.name) else { fail("section name \(section.name.debugDescription)", text) }
        guard (1...lines).contains(section.line) else { fail("section line \(section.line) outside 1...\(lines)", text) }
        var keys: Set<String> = []
        for entry in section.entries {
            guard isBareKey(entry.key) else { fail("key \(entry.key.debugDescription)", text) }
            guard keys.insert(entry.key).inserted else { fail("key \(entry.key) twice in [\(section.name)]", text) }
            guard (1...lines).contains(entry.line) else { fail("entry line \(entry.line) outside 1...\(lines)", text) }
            checkValue(entry.value, text, nested: false)
        }
    }
}

private func checkValue(_ value: TOMLValue, _ text: String, nested: Bool) {
    switch value {
    case .float(let number):
        guard number.isFinite else { fail("non-finite float \(number)", text) }
    case .array(let elements):
        guard !nested else { fail("an array inside an array", text) }
        for element in elements { checkValue(element, text, nested: true) }
    case .string, .integer, .boolean:
        break
    }
}

private func checkReparse(_ document: TOMLDocument, _ text: String) {
    let written = Rendering.toml(document)
    let (again, errors) = TOMLParser.parse(written)
    guard errors.isEmpty else { fail("our rendering does not parse: \(errors)\n--- rendering:\n\(written)", text) }
    guard Rendering.withoutLines(again) == Rendering.withoutLines(document) else {
        fail("our rendering parses to a different document\n--- rendering:\n\(written)", text)
    }
}

private func checkScalar(_ text: String) {
    guard text.utf8.count <= 64 else { return }
    if let number = TOMLScalar.integer(text), TOMLScalar.integer(String(number)) != number {
        fail("integer \(number) does not read back", text)
    }
    if let number = TOMLScalar.float(text) {
        guard number.isFinite else { fail("non-finite float from \(text.debugDescription)", text) }
        guard TOMLScalar.float(Rendering.float(number)) == number else { fail("float \(number) does not read back", text) }
    }
}

private func isBareKey(_ key: String) -> Bool {
    !key.isEmpty && key.utf8.allSatisfy(\.isBareKeyCharacter)
}

/// Reports through the targets' shared `fail` (stderr, unbuffered, so the message survives the trap),
/// showing the text as the UTF-8 bytes the parser read.
func fail(_ message: String, _ text: String) -> Never {
    Array(text.utf8).withUnsafeBytes { fail("toml", message, $0) }
}
