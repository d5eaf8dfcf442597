import Foundation

// libFuzzer target for the JSON reader and writer in Sources/Parsers/JSON (built by Fuzz/run.sh, which
// compiles those sources into this module). Per input it checks, and traps with a message on failure:
//
// 1. Differential against Foundation's JSONSerialization (`.fragmentsAllowed`): when we accept, it
//    must accept and give the same value (see Differential.swift for what "same" means); when only it
//    accepts, our refusal must be one of the strictness differences documented in Fuzz/README.md.
// 2. Round trip: `serialised()` of what we read parses back to the same value, with keys sorted and
//    duplicates reduced, and JSONSerialization reads our output as the same value too.
// 3. Locations: each top-level array element's byte range parses on its own to that element.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let theirs = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
    let ours: JSONValue
    do {
        ours = try JSONValue.parse(rawBytes: input, locating: []).value
    } catch {
        if let theirs, !Differential.isAllowedRefusal(error, of: input) {
            fail("we refuse what JSONSerialization accepts (\(error)); it read \(theirs)", input)
        }
        return 0
    }
    guard let theirs else {
        if !Differential.isAllowedExtraAcceptance(ours, of: input) {
            fail("we accept what JSONSerialization refuses; we read \(ours)", input)
        }
        return 0
    }
    if let difference = Differential.difference(ours, theirs) {
        fail("JSONSerialization reads a different value: \(difference)", input)
    }
    checkRoundTrip(ours, input)
    checkLocations(ours, input)
    return 0
}

private func checkRoundTrip(_ value: JSONValue, _ input: UnsafeRawBufferPointer) {
    let written = value.serialised()
    let reread: JSONValue
    do {
        reread = try JSONValue.parse(written)
    } catch {
        fail("our own output does not parse (\(error)): \(String(decoding: written, as: UTF8.self))", input)
    }
    guard reread == Differential.canonical(value) else {
        fail("our output reads back as a different value: \(String(decoding: written, as: UTF8.self))", input)
    }
    guard reread.serialised() == written else {
        fail("writing is not stable: \(String(decoding: written, as: UTF8.self))", input)
    }
    guard let theirs = try? JSONSerialization.jsonObject(with: Data(written), options: [.fragmentsAllowed]) else {
        fail("JSONSerialization refuses our output: \(String(decoding: written, as: UTF8.self))", input)
    }
    if let difference = Differential.difference(reread, theirs) {
        fail("JSONSerialization reads our output differently: \(difference)", input)
    }
}

private func checkLocations(_ value: JSONValue, _ input: UnsafeRawBufferPointer) {
    guard case .array(let elements) = value else { return }
    guard let located = try? JSONValue.topLevelArrayElements(input), located.count == elements.count else {
        fail("top-level array elements were not located", input)
    }
    for (index, element) in located.enumerated() {
        let bytes = UnsafeRawBufferPointer(rebasing: input[element.bytes])
        guard let alone = try? JSONValue.parse(rawBytes: bytes, locating: nil).value,
              alone == element.value, alone == elements[index] else {
            fail("element \(index) at \(element.bytes) does not parse on its own to the same value", input)
        }
    }
}

/// Prints what went wrong with the input (escaped, so any byte is visible) and traps, which libFuzzer
/// reports as a crash and saves the input as an artifact.
func fail(_ message: String, _ input: UnsafeRawBufferPointer) -> Never {
    fail("json", message, input)
}
