import Parsers
import Foundation

/// A configuration that loaded, plus what the operator should still hear about.
public struct LoadedConfiguration: Sendable, Equatable {
    public var configuration: SMSLedgerConfiguration
    /// Things that work but should change (an inline secret, a queue without a name). Never contain secrets.
    public var warnings: [String]
    /// The file it came from.
    public var path: String

    public init(configuration: SMSLedgerConfiguration, warnings: [String], path: String) {
        self.configuration = configuration
        self.warnings = warnings
        self.path = path
    }
}

/// Reads the operator's config file and the `SMSLEDGER_*` environment into an ``SMSLedgerConfiguration``.
///
/// Precedence, lowest first: built-in defaults, the file, `SMSLEDGER_<SECTION>_<KEY>` variables.
/// Every problem is collected and thrown together as ``ConfigurationErrors``, each naming the file,
/// line and key (or the variable), so that one `smsledger check-config` run shows everything to fix.
///
/// The environment is a parameter (not read from the process) so that tests and `check-config`
/// can show exactly what a given service environment would produce.
public enum ConfigLoader {
    /// Where the packaged unit points `--config`.
    public static let defaultPath = "/etc/smsledger/smsledger.toml"

    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationErrors) -> LoadedConfiguration {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationErrors([ConfigurationError(file: path, line: nil, key: nil,
                                                          message: "config file \(path) does not exist")])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationErrors([ConfigurationError(file: path, line: nil, key: nil, message:
                "config file \(path) cannot be read (check that the service user may read it)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationErrors([ConfigurationError(file: path, line: nil, key: nil,
                                                          message: "config file \(path) is not UTF-8 text")])
        }
        return try load(text: text, path: path, environment: environment)
    }

    /// Loads from text already in memory; `path` is only used in messages.
    public static func load(
        text: String, path: String, environment: [String: String]
    ) throws(ConfigurationErrors) -> LoadedConfiguration {
        let (document, syntaxErrors) = TOMLParser.parse(text)
        var errors = syntaxErrors.map {
            ConfigurationError(file: path, line: $0.line, key: nil, message: "syntax error at \(path):\($0.line): \($0.message)")
        }
        var raw = RawSettings()
        raw.absorb(document, path: path)
        raw.absorb(environment: environment)
        errors += raw.errors
        var builder = ConfigurationBuilder(raw: raw, environment: environment)
        let result = builder.build()
        errors += result.errors
        guard errors.isEmpty else { throw ConfigurationErrors(inFileOrder(errors)) }
        return LoadedConfiguration(configuration: result.configuration, warnings: result.warnings, path: path)
    }

    /// File problems by line, then environment problems; the sort is stable, so ties keep their order.
    private static func inFileOrder(_ errors: [ConfigurationError]) -> [ConfigurationError] {
        errors.enumerated().sorted { a, b in
            let left = (a.element.file == nil ? 1 : 0, a.element.line ?? Int.max, a.offset)
            let right = (b.element.file == nil ? 1 : 0, b.element.line ?? Int.max, b.offset)
            return left < right
        }.map(\.element)
    }
}
