/// SplitMix64: a small seedable generator, so a seeded emulator makes the same outcome mix every run
/// and a test that injects randomness (jitter) gets the same numbers every run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `share` (clamped to 0...1).
    public mutating func chance(_ share: Double) -> Bool {
        guard share > 0 else { return false }
        guard share < 1 else { return true }
        return Double.random(in: 0..<1, using: &self) < share
    }
}
