import Foundation

/// Reports a failed check and traps, so libFuzzer saves the input: prints `FUZZ FAILURE (<target>)`,
/// the message and the input with every non-printable byte escaped (compiled into every target by
/// Fuzz/run.sh; each target passes its own name).
func fail(_ target: String, _ message: String, _ input: UnsafeRawBufferPointer) -> Never {
    let shown = input.prefix(512).map { byte -> String in
        (0x20..<0x7F).contains(byte) && byte != UInt8(ascii: "\\") ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }.joined()
    FileHandle.standardError.write(Data("\nFUZZ FAILURE (\(target)): \(message)\ninput (\(input.count) bytes): \(shown)\n".utf8))
    fatalError("\(target) fuzz check failed")
}
