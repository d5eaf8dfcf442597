import Foundation

// libFuzzer target for the request-target helpers in Sources/Parsers/HTTP (Fuzz/run.sh builds it as `httptarget`: a module name cannot hold a hyphen). The
// input is taken as a request target (invalid UTF-8 repaired, as the server's String does). Checks:
//
// 1. `pathAndQuery` leaves an origin-form target as it is and turns any other into one that starts
//    with `/` (or returns it whole when it has no `://`).
// 2. `split` cuts at the first `?`: path + "?" + query gives the input back, and the path has no `?`.
// 3. `parameters` yields at most one pair per `&`-separated part, and with `plusIsSpace: false`
//    decoding a pair leaves `+` alone.
// 4. `percentDecode` of a full `%XX` encoding of the text's UTF-8 gives the text back, and a text
//    without `%` (and without `+` when plus is a space) comes back unchanged.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let target = String(decoding: input, as: UTF8.self)

    let origin = RequestTarget.pathAndQuery(of: target)
    if target.hasPrefix("/") {
        guard origin == target else { fail("an origin-form target changed: \(origin.debugDescription)", input) }
    } else if target.contains("://") {
        guard origin.hasPrefix("/") else { fail("absolute-form gave \(origin.debugDescription)", input) }
    }

    let (path, query) = RequestTarget.split(target)
    guard !path.contains("?") else { fail("the path keeps a '?': \(path.debugDescription)", input) }
    let joined = query.map { path + "?" + $0 } ?? path
    guard joined == target else { fail("split does not give the target back: \(joined.debugDescription)", input) }

    let parts = target.split(separator: "&", omittingEmptySubsequences: true).count
    let pairs = RequestTarget.parameters(target, plusIsSpace: false)
    guard pairs.count <= parts else { fail("\(pairs.count) parameters from \(parts) parts", input) }
    _ = RequestTarget.parameters(target, plusIsSpace: true)

    let encoded = target.utf8.map { byte in "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: byte & 1 == 0) }
        .joined()
    let decoded = RequestTarget.percentDecode(encoded, plusIsSpace: true)
    guard decoded == target else { fail("decoding the full encoding gave \(decoded.debugDescription)", input) }
    if !target.contains("%") {
        guard RequestTarget.percentDecode(target, plusIsSpace: false) == target else { fail("text without % changed", input) }
    }
    return 0
}

func fail(_ message: String, _ input: UnsafeRawBufferPointer) -> Never {
    fail("httptarget", message, input)
}
