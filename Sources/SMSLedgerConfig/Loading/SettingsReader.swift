import Parsers
/// Typed, range-checked access to the raw settings, collecting every error instead of stopping.
///
/// Each accessor returns `nil` both when the key is absent and when it is invalid (the error is then
/// recorded), so the builder can write `reader.integer(...) ?? default` and keep going.
struct SettingsReader {
    let raw: RawSettings
    private(set) var errors: [ConfigurationError] = []

    init(raw: RawSettings) {
        self.raw = raw
    }

    func origin(_ key: SettingKey) -> SettingOrigin? { raw[key]?.origin }

    /// Records a problem with a key's value, phrased from where the value came from.
    mutating func report(_ key: SettingKey, _ problem: String) {
        guard let origin = origin(key) else { return }
        errors.append(origin.error(key, problem))
    }

    mutating func append(_ error: ConfigurationError) { errors.append(error) }

    mutating func string(_ key: SettingKey) -> String? {
        guard let (spec, value) = lookup(key) else { return nil }
        guard case .string(let text) = value else { return mismatch(spec, value) }
        return text
    }

    /// A string, with `""` treated as "not set" (the documented way to leave a key at its default).
    mutating func nonEmptyString(_ key: SettingKey) -> String? {
        string(key).flatMap { $0.isEmpty ? nil : $0 }
    }

    mutating func boolean(_ key: SettingKey) -> Bool? {
        guard let (spec, value) = lookup(key) else { return nil }
        guard case .boolean(let flag) = value else { return mismatch(spec, value) }
        return flag
    }

    mutating func integer(_ key: SettingKey) -> Int? {
        guard let (spec, value) = lookup(key) else { return nil }
        guard case .integer(let number) = value, case .integer(let range) = spec.kind, range.contains(number) else {
            return mismatch(spec, value)
        }
        return number
    }

    mutating func seconds(_ key: SettingKey) -> Duration? {
        integer(key).map { .seconds($0) }
    }

    mutating func number(_ key: SettingKey) -> Double? {
        guard let (spec, value) = lookup(key), case .number(let range) = spec.kind else { return nil }
        let number: Double
        switch value {
        case .integer(let whole): number = Double(whole)
        case .float(let fraction): number = fraction
        default: return mismatch(spec, value)
        }
        guard range.contains(number) else { return mismatch(spec, value) }
        return number
    }

    mutating func integers(_ key: SettingKey) -> [Int]? {
        guard let (spec, value) = lookup(key), case .integerList(let range) = spec.kind else { return nil }
        guard case .array(let elements) = value else { return mismatch(spec, value) }
        guard !elements.isEmpty else {
            report(key, "expected \(spec.kind.expectation), got an empty array")
            return nil
        }
        var numbers: [Int] = []
        for (position, element) in elements.enumerated() {
            guard case .integer(let number) = element, range.contains(number) else {
                report(key, "element \(position + 1): expected an integer in \(range.lowerBound)...\(range.upperBound), "
                    + "got \(element.summary(revealing: true))")
                return nil
            }
            numbers.append(number)
        }
        return numbers
    }

    /// A list of strings; an empty array is allowed (it usually means "none").
    mutating func strings(_ key: SettingKey) -> [String]? {
        guard let (spec, value) = lookup(key), case .stringList = spec.kind else { return nil }
        guard case .array(let elements) = value else { return mismatch(spec, value) }
        var texts: [String] = []
        for (position, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                report(key, "element \(position + 1): expected a string, got \(element.summary(revealing: true))")
                return nil
            }
            texts.append(text)
        }
        return texts
    }

    /// One of the enum's raw values, compared without regard to case.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ key: SettingKey, as type: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        guard let (spec, value) = lookup(key) else { return nil }
        guard case .string(let text) = value, let choice = Choice(rawValue: text.lowercased()) else {
            return mismatch(spec, value)
        }
        return choice
    }

    private func lookup(_ key: SettingKey) -> (SettingSpec, TOMLValue)? {
        guard let spec = ConfigurationSchema.spec(for: key) else {
            assertionFailure("\(key) is read by the builder but missing from ConfigurationSchema")
            return nil
        }
        guard let setting = raw[key] else { return nil }
        return (spec, setting.value)
    }

    private mutating func mismatch<T>(_ spec: SettingSpec, _ value: TOMLValue) -> T? {
        report(spec.key, "expected \(spec.kind.expectation), got \(value.summary(revealing: !spec.isSecret))")
        return nil
    }
}
