import Foundation
@testable import SMSLedgerConfig

/// Loads `text` as if it were the file `test.toml`.
func load(_ text: String, environment: [String: String] = [:]) throws(ConfigurationErrors) -> LoadedConfiguration {
    try ConfigLoader.load(text: text, path: "test.toml", environment: environment)
}

/// The errors loading `text` produces; empty when it loads.
func errors(loading text: String, environment: [String: String] = [:]) -> [ConfigurationError] {
    do {
        _ = try load(text, environment: environment)
        return []
    } catch {
        return error.errors
    }
}

/// A directory under the system temporary directory, removed when the value is released.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("smsledger-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `contents` to `name` with the given permission bits and returns the full path.
    @discardableResult
    func write(_ name: String, _ contents: String, mode: Int = 0o600) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }
}
