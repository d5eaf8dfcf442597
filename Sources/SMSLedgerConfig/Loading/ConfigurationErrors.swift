/// One problem in the configuration, located precisely enough to fix it without guessing.
///
/// ``message`` is the complete sentence shown to the operator and already contains the location.
/// It never contains a secret: values of secret keys are described by type only.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The config file, or `nil` when the problem came from the environment.
    public var file: String?
    /// `nil` for problems with the file as a whole (missing, unreadable) or from the environment.
    public var line: Int?
    /// Dotted key such as `polling.wait_seconds`, when the problem concerns one key.
    public var key: String?
    /// The `SMSLEDGER_*` (or secret) variable the value came from.
    public var environmentVariable: String?
    public var message: String

    public init(file: String?, line: Int?, key: String?, environmentVariable: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.environmentVariable = environmentVariable
        self.message = message
    }

    public var description: String { message }
}

/// All problems found in one load. The loader keeps going after the first one so an operator fixes
/// the file in one round instead of one restart per typo.
///
/// Configuration errors are never retryable: the same file gives the same answer until a person
/// changes it. The daemon exits with ``exitCode`` (EX_CONFIG), which systemd's
/// `RestartPreventExitStatus=78` can use to stop a restart loop.
public struct ConfigurationErrors: Error, Sendable, Hashable, CustomStringConvertible {
    /// `EX_CONFIG` from sysexits.h.
    public static let exitCode: Int32 = 78

    public var errors: [ConfigurationError]

    public init(_ errors: [ConfigurationError]) {
        self.errors = errors
    }

    public var isRetryable: Bool { false }

    public var description: String {
        let noun = errors.count == 1 ? "error" : "errors"
        let lines = errors.map { "  - \($0.message)" }
        return (["configuration has \(errors.count) \(noun):"] + lines).joined(separator: "\n")
    }
}

/// Where a raw value came from; every error about the value is phrased from this.
enum SettingOrigin: Sendable, Equatable {
    case file(path: String, line: Int)
    case environment(variable: String)

    /// An error about `key`, phrased `polling.wait_seconds at FILE:LINE: ...` or
    /// `environment SMSLEDGER_POLLING_WAIT_SECONDS: ...`.
    func error(_ key: SettingKey, _ problem: String) -> ConfigurationError {
        switch self {
        case .file(let path, let line):
            ConfigurationError(file: path, line: line, key: key.dotted, message: "\(key.dotted) at \(path):\(line): \(problem)")
        case .environment(let variable):
            ConfigurationError(file: nil, line: nil, key: key.dotted, environmentVariable: variable,
                               message: "environment \(variable): \(problem)")
        }
    }
}
