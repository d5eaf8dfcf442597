import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds a secret from the one source the operator chose.
///
/// Order: exactly one of the inline key, `<key>_file` or `<key>_env` may be set (two would leave us
/// guessing which one is current, so that is an error). With none of them set, a systemd credential
/// (`LoadCredential=`) is used when `$CREDENTIALS_DIRECTORY` holds it: the recommended setup, since
/// systemd keeps the file out of reach of everything but the service.
///
/// No message produced here contains the secret.
extension ConfigurationBuilder {
    struct SecretFamily {
        var section: String
        var base: String
        /// The credential looked up when no other source is set, or `nil` when this secret has no
        /// credential key.
        var defaultCredential: String?
        var inlineKey: SettingKey { SettingKey(section, base) }
        var fileKey: SettingKey { SettingKey(section, base + "_file") }
        var environmentKey: SettingKey { SettingKey(section, base + "_env") }
        var credentialKey: SettingKey { SettingKey(section, base + "_credential") }
    }

    mutating func secret(_ family: SecretFamily) -> Secret? {
        let inline = reader.nonEmptyString(family.inlineKey)
        let file = reader.nonEmptyString(family.fileKey)
        let variable = reader.nonEmptyString(family.environmentKey)
        let chosen = [(family.inlineKey, inline), (family.fileKey, file), (family.environmentKey, variable)]
            .filter { $0.1 != nil }
        if chosen.count > 1 {
            let names = [family.inlineKey, family.fileKey, family.environmentKey].map(\.name).joined(separator: ", ")
            reader.report(chosen[1].0, "set only one of \(names); \(chosen[0].0.dotted) is set too")
            return nil
        }
        if let inline { return inlineSecret(inline, family) }
        if let file { return fileSecret(path: file, family) }
        if let variable { return environmentSecret(variable: variable, family) }
        return credentialSecret(family)
    }

    private mutating func inlineSecret(_ value: String, _ family: SecretFamily) -> Secret? {
        switch reader.origin(family.inlineKey) {
        case .file(let path, let line):
            var alternatives = "\(family.fileKey.name)"
            alternatives += family.defaultCredential == nil ? " or \(family.environmentKey.name)" : " or a systemd credential"
            warnings.append("inline secret in \(path):\(line); prefer \(alternatives)")
            return Secret(value, source: .inline(file: path, line: line))
        case .environment(let variable):
            return Secret(value, source: .environmentOverride(variable: variable))
        case nil:
            return nil
        }
    }

    private mutating func fileSecret(path: String, _ family: SecretFamily) -> Secret? {
        switch Self.readSecretFile(path, requirePrivate: true) {
        case .success(let value): return Secret(value, source: .file(path: path))
        case .failure(let problem):
            reader.report(family.fileKey, problem.message)
            return nil
        }
    }

    private mutating func environmentSecret(variable: String, _ family: SecretFamily) -> Secret? {
        guard let value = environment[variable], !value.isEmpty else {
            reader.report(family.environmentKey, "environment variable \(variable) is not set or is empty")
            return nil
        }
        return Secret(value, source: .environment(variable: variable))
    }

    private mutating func credentialSecret(_ family: SecretFamily) -> Secret? {
        guard let defaultName = family.defaultCredential else { return nil }
        let configured = reader.string(family.credentialKey)
        let name = configured ?? defaultName
        // `""` switches the credential lookup off.
        guard !name.isEmpty else { return nil }
        guard !name.contains("/"), name != ".", name != ".." else {
            reader.report(family.credentialKey, "a credential name cannot contain '/' or be '.' or '..'")
            return nil
        }
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return nil }
        let path = (directory as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: path) else {
            if configured != nil {
                reader.report(family.credentialKey, "systemd credential '\(name)' is not in $CREDENTIALS_DIRECTORY "
                    + "(\(directory)); add LoadCredential=\(name):/path/to/file to the unit")
            }
            return nil
        }
        // systemd made this file private to the service; its mode is systemd's business, not ours.
        switch Self.readSecretFile(path, requirePrivate: false) {
        case .success(let value): return Secret(value, source: .credential(name: name, path: path))
        case .failure(let problem):
            let key = family.credentialKey
            reader.append(ConfigurationError(file: nil, line: nil, key: key.dotted,
                                             message: "\(key.dotted): systemd credential \(name): \(problem.message)"))
            return nil
        }
    }

    struct SecretFileProblem: Error { var message: String }

    /// Reads a secret file, refusing one that group or others can access: a secret that every local
    /// user can read is not a secret, and refusing is the only way to make sure someone notices.
    static func readSecretFile(_ path: String, requirePrivate: Bool) -> Result<String, SecretFileProblem> {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            return .failure(SecretFileProblem(message: "cannot read secret file \(path): \(reason)"))
        }
        let permissions = UInt32(status.st_mode) & 0o777
        if requirePrivate, permissions & 0o077 != 0 {
            let octal = String(permissions, radix: 8)
            let mode = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
            return .failure(SecretFileProblem(message:
                "secret file \(path) is readable by group or others (mode \(mode)); run `chmod 600 \(path)`"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(SecretFileProblem(message: "cannot read secret file \(path) (is it a regular file the service user can read?)"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(SecretFileProblem(message: "secret file \(path) is not UTF-8 text"))
        }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { return .failure(SecretFileProblem(message: "secret file \(path) is empty")) }
        return .success(value)
    }
}
