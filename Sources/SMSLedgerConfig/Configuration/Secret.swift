/// A credential (access key secret, bearer token, HMAC key) that must never be printed.
///
/// `description`, `debugDescription`, string interpolation and `dump` all show `<redacted>`; the
/// value is only reachable through ``reveal()``, so every place that uses it is easy to find in a
/// review. ``source`` says where it came from, which is what an operator needs to see instead.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Where a secret was read from; shown by `check-config` in place of the value.
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        /// Written into the config file itself (allowed, but warned about).
        case inline(file: String, line: Int)
        /// An `SMSLEDGER_<SECTION>_<KEY>` override of the inline key.
        case environmentOverride(variable: String)
        /// A file named by a `*_file` key.
        case file(path: String)
        /// An environment variable named by a `*_env` key.
        case environment(variable: String)
        /// A systemd credential (`LoadCredential=`), read from `$CREDENTIALS_DIRECTORY`.
        case credential(name: String, path: String)
        /// Made in code, for tests and embedding.
        case provided

        public var description: String {
            switch self {
            case .inline(let file, let line): "inline in \(file):\(line)"
            case .environmentOverride(let variable): "from environment \(variable)"
            case .file(let path): "from file \(path)"
            case .environment(let variable): "from environment variable \(variable)"
            case .credential(let name, let path): "from systemd credential \(name) at \(path)"
            case .provided: "provided in code"
            }
        }
    }

    private let value: String
    public let source: Source

    public init(_ value: String, source: Source = .provided) {
        self.value = value
        self.source = source
    }

    /// The secret itself. Call it only where the value is handed to a signer or compared.
    public func reveal() -> String { value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror {
        Mirror(self, children: ["value": "<redacted>", "source": source.description], displayStyle: .struct)
    }
}
